using System.ComponentModel.DataAnnotations;

namespace AudioOrchestrator.Ingress.Discord;

/// <summary>The Discord transport of the ingress (section <c>Discord:Transport</c>). The transport runs when <c>Discord:Token</c> is set.</summary>
public sealed class DiscordTransportOptions
{
    public const string SectionName = "Discord:Transport";

    /// <summary>Received 20 ms frames queued per speaker before the oldest are dropped (and counted); 250 = 5 s.</summary>
    [Range(4, 10_000)]
    public int SpeakerQueueFrames { get; set; } = 250;

    /// <summary>Answer frames queued per guild for playback before the oldest are dropped; 3000 = 60 s.</summary>
    [Range(50, 100_000)]
    public int PlaybackQueueFrames { get; set; } = 3000;

    /// <summary>How long a batch of received frames may wait for more consecutive frames before it is published.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:00:01")]
    public TimeSpan BatchWait { get; set; } = TimeSpan.FromMilliseconds(70);
}
