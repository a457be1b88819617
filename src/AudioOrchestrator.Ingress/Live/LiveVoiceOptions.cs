using System.ComponentModel.DataAnnotations;

namespace AudioOrchestrator.Ingress.Live;

/// <summary>The live voice WebSocket (<c>GET /api/v1/sessions/{id}/live</c>). Section <c>LiveVoice</c>, validated at start-up.</summary>
public sealed class LiveVoiceOptions
{
    public const string SectionName = "LiveVoice";

    /// <summary>Live sockets this process holds at once; more are closed with 1013 (try again later).</summary>
    [Range(1, 100_000)]
    public int MaxSocketsPerProcess { get; set; } = 200;

    /// <summary>Live sockets (speakers) one session holds at once in this process; more are closed with 1013.</summary>
    [Range(1, 1000)]
    public int MaxSocketsPerSession { get; set; } = 8;

    /// <summary>Largest message a client may send, in bytes; a larger one closes the socket with 1009.</summary>
    [Range(1024, 1024 * 1024)]
    public int MaxMessageBytes { get; set; } = 16384;

    /// <summary>A socket on which nothing was received for this long is closed with 1001 ("idle timeout").</summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan IdleTimeout { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>A message to the client that cannot be sent within this time (the client does not read) aborts the socket.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:10:00")]
    public TimeSpan SendTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How far ahead of real time the answer audio is sent (the client's jitter margin).</summary>
    [Range(0, 5000)]
    public int PlaybackLeadMs { get; set; } = 200;

    /// <summary>Received 20 ms frames queued per socket on their way to the speaker's stream before the oldest are dropped (and counted); 250 = 5 s.</summary>
    [Range(4, 10_000)]
    public int QueueFrames { get; set; } = 250;

    /// <summary>How long a batch of received frames may wait for more before it is published.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:00:01")]
    public TimeSpan BatchWait { get; set; } = TimeSpan.FromMilliseconds(70);

    /// <summary>Answer frames queued per socket for playback before the oldest are dropped; 3000 = 60 s.</summary>
    [Range(50, 100_000)]
    public int PlaybackQueueFrames { get; set; } = 3000;

    /// <summary>Messages (events and audio) waiting to be sent to one client; a client this far behind is dropped.</summary>
    [Range(16, 100_000)]
    public int SendQueueMessages { get; set; } = 1024;

    /// <summary>WebSocket ping interval (the server's keep-alive, so proxies do not close a quiet socket).</summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:10:00")]
    public TimeSpan KeepAliveInterval { get; set; } = TimeSpan.FromSeconds(15);
}
