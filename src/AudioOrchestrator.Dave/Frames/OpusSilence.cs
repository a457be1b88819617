namespace AudioOrchestrator.Dave.Frames;

/// <summary>The Opus silence frame <c>F8 FF FE</c>, passed through unencrypted (protocol.md, "Silence Packets").</summary>
public static class OpusSilence
{
    /// <summary>The three bytes of the silence frame.</summary>
    public static ReadOnlySpan<byte> Frame => [0xF8, 0xFF, 0xFE];

    /// <summary>True when <paramref name="frame"/> is exactly the silence frame.</summary>
    public static bool Is(ReadOnlySpan<byte> frame) => frame.SequenceEqual(Frame);
}
