namespace AudioOrchestrator.Dave.Frames;

/// <summary>
/// The footer of a DAVE protocol frame (protocol.md, "Payload Format" and "Protocol Frame Check"):
/// <c>interleaved frame || tag(8) || ULEB128 nonce || ULEB128 (offset, length) pairs || supplemental
/// size (1) || FA FA</c>. The supplemental size counts everything after the interleaved frame.
/// </summary>
internal readonly ref struct ProtocolFrame
{
    public const byte Marker = 0xFA;

    /// <summary>Tag, one nonce byte, the size byte and the marker.</summary>
    public const int MinSupplementalSize = FrameCrypto.TagLength + 1 + 1 + 2;

    private ProtocolFrame(ReadOnlySpan<byte> interleaved, ReadOnlySpan<byte> tag, uint nonce, ReadOnlySpan<byte> ranges)
    {
        Interleaved = interleaved;
        Tag = tag;
        Nonce = nonce;
        Ranges = ranges;
    }

    public ReadOnlySpan<byte> Interleaved { get; }

    public ReadOnlySpan<byte> Tag { get; }

    public uint Nonce { get; }

    /// <summary>The validated ULEB128 unencrypted range pairs (empty for Opus).</summary>
    public ReadOnlySpan<byte> Ranges { get; }

    /// <summary>Runs the protocol frame check; false when <paramref name="frame"/> is not a protocol frame.</summary>
    public static bool TryParse(ReadOnlySpan<byte> frame, out ProtocolFrame parsed)
    {
        parsed = default;
        if (frame.Length < MinSupplementalSize + 1 || frame[^1] != Marker || frame[^2] != Marker)
        {
            return false;
        }

        int supplemental = frame[^3];
        if (supplemental < MinSupplementalSize || supplemental >= frame.Length)
        {
            return false;
        }

        var interleaved = frame[..^supplemental];
        var footer = frame[^supplemental..^3];
        var tag = footer[..FrameCrypto.TagLength];
        var rest = footer[FrameCrypto.TagLength..];
        if (!Uleb128.TryRead(rest, uint.MaxValue, out var nonce, out var used))
        {
            return false;
        }

        var ranges = rest[used..];
        if (!ValidateRanges(ranges, interleaved.Length))
        {
            return false;
        }

        parsed = new ProtocolFrame(interleaved, tag, (uint)nonce, ranges);
        return true;
    }

    /// <summary>Reads the next (offset, length) pair; the ranges were validated by <see cref="TryParse"/>.</summary>
    public static void ReadRange(ref ReadOnlySpan<byte> ranges, out int offset, out int length)
    {
        Uleb128.TryRead(ranges, int.MaxValue, out var o, out var n);
        ranges = ranges[n..];
        Uleb128.TryRead(ranges, int.MaxValue, out var l, out n);
        ranges = ranges[n..];
        offset = (int)o;
        length = (int)l;
    }

    private static bool ValidateRanges(ReadOnlySpan<byte> ranges, int frameLength)
    {
        long end = 0;
        while (!ranges.IsEmpty)
        {
            if (!Uleb128.TryRead(ranges, int.MaxValue, out var offset, out var n))
            {
                return false;
            }

            ranges = ranges[n..];
            if (!Uleb128.TryRead(ranges, int.MaxValue, out var length, out n))
            {
                return false;
            }

            ranges = ranges[n..];
            if ((long)offset < end || (long)offset + (long)length > frameLength)
            {
                return false;
            }

            end = (long)offset + (long)length;
        }

        return true;
    }
}
