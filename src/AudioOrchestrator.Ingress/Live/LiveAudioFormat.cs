namespace AudioOrchestrator.Ingress.Live;

/// <summary>A live socket's audio format, chosen by its WebSocket subprotocol (the same both ways).</summary>
/// <param name="Name">The subprotocol: <c>pcm16</c> or <c>opus</c>.</param>
/// <param name="SampleRate">16000 (pcm16) or 48000 (opus).</param>
/// <param name="FrameMs">Each binary message's duration (20 for opus); null when any length goes (pcm16).</param>
public sealed record LiveAudioFormat(string Name, int SampleRate, int? FrameMs)
{
    /// <summary>16-bit little-endian mono PCM at 16 kHz, any even length per message.</summary>
    public static LiveAudioFormat Pcm16 { get; } = new("pcm16", 16000, null);

    /// <summary>One 48 kHz mono 20 ms Opus packet per message.</summary>
    public static LiveAudioFormat Opus { get; } = new("opus", 48000, 20);

    /// <summary>Always 1: live audio is mono both ways.</summary>
    public int Channels => 1;

    public bool IsOpus => ReferenceEquals(this, Opus);

    /// <summary>The format of a subprotocol name (exact, lowercase); null for anything else.</summary>
    public static LiveAudioFormat? FromSubprotocol(string? name) => name switch
    {
        "pcm16" => Pcm16,
        "opus" => Opus,
        _ => null,
    };

    /// <summary>What the format is, for messages naming what is accepted (e.g. "pcm16 is 16000 Hz mono").</summary>
    public string Describe() => FrameMs is { } ms ? $"{Name} is {SampleRate} Hz mono, {ms} ms packets" : $"{Name} is {SampleRate} Hz mono";
}
