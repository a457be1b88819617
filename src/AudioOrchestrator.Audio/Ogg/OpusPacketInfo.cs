namespace AudioOrchestrator.Audio;

/// <summary>What the table-of-contents byte of an Opus packet says (RFC 6716 section 3.1).</summary>
public static class OpusPacketInfo
{
    /// <summary>Samples per channel at 48 kHz of one frame of the packet's configuration.</summary>
    public static int FrameSamples(byte toc)
    {
        var config = toc >> 3;
        return config switch
        {
            < 12 => (config % 4) switch { 0 => 480, 1 => 960, 2 => 1920, _ => 2880 }, // SILK: 10, 20, 40, 60 ms
            < 16 => config % 2 == 0 ? 480 : 960,                                        // Hybrid: 10, 20 ms
            _ => (config % 4) switch { 0 => 120, 1 => 240, 2 => 480, _ => 960 },       // CELT: 2.5, 5, 10, 20 ms
        };
    }

    /// <summary>Frames in the packet, or -1 when the packet is malformed.</summary>
    public static int FrameCount(ReadOnlySpan<byte> packet)
    {
        if (packet.IsEmpty)
        {
            return -1;
        }

        return (packet[0] & 3) switch
        {
            0 => 1,
            1 or 2 => 2,
            _ => packet.Length < 2 || (packet[1] & 0x3F) == 0 ? -1 : packet[1] & 0x3F,
        };
    }

    /// <summary>Duration of the packet in samples per channel at 48 kHz, or -1 when it is malformed or over 120 ms.</summary>
    public static int DurationSamples(ReadOnlySpan<byte> packet)
    {
        var frames = FrameCount(packet);
        if (frames < 0)
        {
            return -1;
        }

        var samples = frames * FrameSamples(packet[0]);
        return samples > 5760 ? -1 : samples;
    }
}
