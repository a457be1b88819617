using System.Buffers.Binary;

namespace AudioOrchestrator.Archive.AnswerAudio;

/// <summary>A cheap check that bytes are a whole RIFF/WAVE file (its header and declared length), to refuse or detect a damaged one.</summary>
public static class WavHeader
{
    private const int MinLength = 44;

    /// <summary>True when <paramref name="bytes"/> start with a RIFF/WAVE header whose declared size matches their length.</summary>
    public static bool IsWhole(ReadOnlySpan<byte> bytes) =>
        bytes.Length >= MinLength
        && bytes[..4].SequenceEqual("RIFF"u8)
        && bytes.Slice(8, 4).SequenceEqual("WAVE"u8)
        && BinaryPrimitives.ReadUInt32LittleEndian(bytes.Slice(4, 4)) == (uint)(bytes.Length - 8);
}
