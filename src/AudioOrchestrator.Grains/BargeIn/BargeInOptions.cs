using System.ComponentModel.DataAnnotations;

namespace AudioOrchestrator.Grains.BargeIn;

/// <summary>Talking over the assistant. Section <c>BargeIn</c>; per guild <c>BargeIn:Guilds:{guildId}</c>.</summary>
public sealed class BargeInOptions
{
    public const string SectionName = "BargeIn";

    /// <summary>Pause the answer when a live speaker starts talking, and stop it when they keep talking.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>Speech (summed 20 ms frames since the onset) needed to interrupt; shorter speech ("mm", "ok") is a backchannel and playback resumes.</summary>
    [Range(20, 5000)]
    public int MinSpeechMs { get; set; } = 500;

    /// <summary>Continuous silence after which speech shorter than <see cref="MinSpeechMs"/> is settled as a backchannel.</summary>
    [Range(20, 5000)]
    public int ResumeAfterSilenceMs { get; set; } = 300;

    /// <summary>
    /// A speech onset while the agent is still writing its answer stops the writing at once (the language model's
    /// request is aborted): what the speaker says next will usually change the answer. A backchannel then resumes the
    /// sentences already synthesised, and the answer ends there. False: writing stops only on an interruption.
    /// </summary>
    public bool StopGenerationOnPause { get; set; } = true;
}
