using System.Buffers.Binary;

namespace AudioOrchestrator.Audio;

/// <summary>Walks the RIFF/WAVE chunk list and locates the 'fmt ' and 'data' chunks.</summary>
internal static class WavChunkReader
{
    private const int RiffHeaderSize = 12;
    private const int ChunkHeaderSize = 8;

    internal static WavLayout Read(ReadOnlySpan<byte> wav)
    {
        if (wav.IsEmpty)
        {
            throw new InvalidAudioException("The WAV data is empty.");
        }

        if (!wav[..Math.Min(4, wav.Length)].SequenceEqual("RIFF"u8[..Math.Min(4, wav.Length)]))
        {
            throw new InvalidAudioException("The data is not a WAV file: it does not start with 'RIFF'.");
        }

        if (wav.Length < RiffHeaderSize)
        {
            throw new InvalidAudioException($"The WAV file is truncated: the RIFF header needs {RiffHeaderSize} bytes but only {wav.Length} are present.");
        }

        if (!wav[8..12].SequenceEqual("WAVE"u8))
        {
            throw new InvalidAudioException("The RIFF file is not a WAVE file (its form type is not 'WAVE').");
        }

        var riffSize = BinaryPrimitives.ReadUInt32LittleEndian(wav[4..]);
        var riffSizeIsPlaceholder = WavCodec.IsStreamingPlaceholder(riffSize);
        ReadOnlySpan<byte> format = default;
        var hasFormat = false;
        var offset = RiffHeaderSize;
        while (offset < wav.Length)
        {
            var remaining = wav.Length - offset;
            if (remaining < ChunkHeaderSize)
            {
                throw new InvalidAudioException($"The WAV file is truncated: a chunk header at byte {offset} needs {ChunkHeaderSize} bytes but only {remaining} remain.");
            }

            var id = wav.Slice(offset, 4);
            var declaredSize = BinaryPrimitives.ReadUInt32LittleEndian(wav[(offset + 4)..]);
            var bodyStart = offset + ChunkHeaderSize;
            var available = wav.Length - bodyStart;
            if (id.SequenceEqual("data"u8))
            {
                if (!hasFormat)
                {
                    throw new InvalidAudioException("The WAV file has no 'fmt ' chunk before its 'data' chunk.");
                }

                return ReadData(wav[bodyStart..], declaredSize, riffSizeIsPlaceholder, format);
            }

            if (declaredSize > available)
            {
                throw new InvalidAudioException($"The WAV file is truncated: chunk '{ChunkName(id)}' declares {declaredSize} bytes but only {available} remain.");
            }

            if (id.SequenceEqual("fmt "u8))
            {
                format = wav.Slice(bodyStart, (int)declaredSize);
                hasFormat = true;
            }

            // Chunks are word aligned: an odd-sized chunk is followed by one pad byte.
            offset = bodyStart + (int)declaredSize + (int)(declaredSize & 1);
        }

        throw new InvalidAudioException(hasFormat
            ? "The WAV file has no 'data' chunk."
            : "The WAV file has no 'fmt ' chunk.");
    }

    private static WavLayout ReadData(ReadOnlySpan<byte> body, uint declaredSize, bool riffSizeIsPlaceholder, ReadOnlySpan<byte> format)
    {
        // Streamed WAVs are written before their length is known and carry 0xFFFFFFFF (or 0) as data size.
        var isPlaceholder = declaredSize == 0xFFFFFFFF || (declaredSize == 0 && riffSizeIsPlaceholder && !body.IsEmpty);
        if (isPlaceholder)
        {
            return new WavLayout(format, body, dataSizeIsPlaceholder: true);
        }

        if (declaredSize > body.Length)
        {
            throw new InvalidAudioException($"The WAV file is truncated: the 'data' chunk declares {declaredSize} bytes but only {body.Length} are present.");
        }

        return new WavLayout(format, body[..(int)declaredSize], dataSizeIsPlaceholder: false);
    }

    private static string ChunkName(ReadOnlySpan<byte> id)
    {
        Span<char> name = stackalloc char[4];
        for (var i = 0; i < 4; i++)
        {
            name[i] = id[i] is >= 0x20 and < 0x7F ? (char)id[i] : '?';
        }

        return new string(name);
    }
}

/// <summary>The 'fmt ' and 'data' chunk bodies of a WAV file; <see cref="DataSizeIsPlaceholder"/> marks a streamed file's unknown data size.</summary>
internal readonly ref struct WavLayout(ReadOnlySpan<byte> format, ReadOnlySpan<byte> data, bool dataSizeIsPlaceholder)
{
    public ReadOnlySpan<byte> Format { get; } = format;

    public ReadOnlySpan<byte> Data { get; } = data;

    public bool DataSizeIsPlaceholder { get; } = dataSizeIsPlaceholder;
}
