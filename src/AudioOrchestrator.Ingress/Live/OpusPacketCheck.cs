using AudioOrchestrator.Audio;

namespace AudioOrchestrator.Ingress.Live;

/// <summary>
/// Checks that a client's binary message is one Opus packet of one 20 ms frame (RFC 6716 section 3.1: the TOC byte's
/// configuration says 20 ms, frame count code 0), no longer than the largest Opus frame. What the packet's payload
/// holds is the speaker's decoder's business: a packet that passes here but does not decode is concealed and counted.
/// </summary>
public static class OpusPacketCheck
{
    /// <summary>The largest Opus frame (RFC 6716: 1275 bytes) plus its TOC byte.</summary>
    public const int MaxPacketBytes = 1276;

    private const int TwentyMsSamples = 960;

    /// <summary>Null when the packet is acceptable; else why not (for the close reason).</summary>
    public static string? Problem(ReadOnlySpan<byte> packet)
    {
        if (packet.IsEmpty)
        {
            return "an empty message is not an Opus packet";
        }

        if (packet.Length > MaxPacketBytes)
        {
            return $"an Opus packet is at most {MaxPacketBytes} bytes; got {packet.Length}";
        }

        var frames = OpusPacketInfo.FrameCount(packet);
        var samples = OpusPacketInfo.DurationSamples(packet);
        if (frames < 0 || samples < 0)
        {
            return "not an Opus packet (its TOC does not parse)";
        }

        if (frames != 1 || (packet[0] & 3) != 0 || samples != TwentyMsSamples)
        {
            return $"an Opus packet must hold one 20 ms frame; got {frames} frame(s) of {samples / 48.0:0.#} ms in all";
        }

        return null;
    }
}
