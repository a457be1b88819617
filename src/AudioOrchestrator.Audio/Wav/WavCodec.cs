using System.Buffers.Binary;
using System.Runtime.InteropServices;

namespace AudioOrchestrator.Audio;

/// <summary>Strict reader and canonical writer for 16-bit PCM WAV (RIFF/WAVE).</summary>
public static class WavCodec
{
    /// <summary>Size of the canonical header <see cref="Encode(PcmAudio)"/> writes.</summary>
    public const int CanonicalHeaderSize = 44;

    private const uint StreamingSizePlaceholder = 0xFFFFFFFF;

    /// <summary>Decodes a WAV file; throws <see cref="InvalidAudioException"/> explaining what is wrong.</summary>
    public static PcmAudio Decode(ReadOnlySpan<byte> wav)
    {
        var layout = WavChunkReader.Read(wav);
        var format = WavFormat.Parse(layout.Format);
        var data = layout.Data;
        if (data.Length % format.BlockAlign != 0)
        {
            if (!layout.DataSizeIsPlaceholder)
            {
                throw new InvalidAudioException($"The WAV 'data' chunk is {data.Length} bytes, which is not a whole number of {format.BlockAlign}-byte sample frames.");
            }

            data = data[..(data.Length - (data.Length % format.BlockAlign))];
        }

        var samples = new short[data.Length / 2];
        if (BitConverter.IsLittleEndian)
        {
            data.CopyTo(MemoryMarshal.AsBytes(samples.AsSpan()));
        }
        else
        {
            for (var i = 0; i < samples.Length; i++)
            {
                samples[i] = BinaryPrimitives.ReadInt16LittleEndian(data[(2 * i)..]);
            }
        }

        return new PcmAudio(samples, format.SampleRate, format.Channels);
    }

    /// <summary>Encodes as canonical 44-byte-header PCM16 WAV.</summary>
    public static byte[] Encode(PcmAudio audio)
    {
        var bytes = new byte[EncodedSize(audio)];
        Encode(audio, bytes);
        return bytes;
    }

    /// <summary>The size of <paramref name="audio"/> as canonical 44-byte-header PCM16 WAV.</summary>
    public static int EncodedSize(PcmAudio audio)
    {
        ArgumentNullException.ThrowIfNull(audio);
        return CanonicalHeaderSize + DataSize(audio);
    }

    /// <summary>
    /// Writes canonical 44-byte-header PCM16 WAV into <paramref name="destination"/> (at least
    /// <see cref="EncodedSize"/> bytes, e.g. a pooled buffer) and returns the bytes written.
    /// </summary>
    public static int Encode(PcmAudio audio, Span<byte> destination)
    {
        var size = EncodedSize(audio);
        if (destination.Length < size)
        {
            throw new ArgumentException($"The WAV needs {size} bytes; the destination holds {destination.Length}.", nameof(destination));
        }

        WriteHeader(audio, destination);
        WriteSamples(audio.Samples, destination[CanonicalHeaderSize..size]);
        return size;
    }

    /// <summary>Writes canonical 44-byte-header PCM16 WAV to <paramref name="destination"/>.</summary>
    public static void Encode(PcmAudio audio, Stream destination)
    {
        ArgumentNullException.ThrowIfNull(audio);
        ArgumentNullException.ThrowIfNull(destination);
        Span<byte> header = stackalloc byte[CanonicalHeaderSize];
        WriteHeader(audio, header);
        destination.Write(header);
        if (BitConverter.IsLittleEndian)
        {
            destination.Write(MemoryMarshal.AsBytes(audio.Samples.AsSpan()));
            return;
        }

        var buffer = new byte[audio.Samples.Length * 2];
        WriteSamples(audio.Samples, buffer);
        destination.Write(buffer);
    }

    private static int DataSize(PcmAudio audio)
    {
        var size = (long)audio.Samples.Length * 2;
        return size > int.MaxValue - CanonicalHeaderSize
            ? throw new ArgumentException("The audio is too long for a WAV file.", nameof(audio))
            : (int)size;
    }

    private static void WriteHeader(PcmAudio audio, Span<byte> header)
    {
        var dataSize = DataSize(audio);
        var blockAlign = audio.Channels * 2;
        "RIFF"u8.CopyTo(header);
        BinaryPrimitives.WriteUInt32LittleEndian(header[4..], (uint)(36 + dataSize));
        "WAVE"u8.CopyTo(header[8..]);
        "fmt "u8.CopyTo(header[12..]);
        BinaryPrimitives.WriteUInt32LittleEndian(header[16..], 16);
        BinaryPrimitives.WriteUInt16LittleEndian(header[20..], WavFormat.PcmTag);
        BinaryPrimitives.WriteUInt16LittleEndian(header[22..], (ushort)audio.Channels);
        BinaryPrimitives.WriteUInt32LittleEndian(header[24..], (uint)audio.SampleRate);
        BinaryPrimitives.WriteUInt32LittleEndian(header[28..], (uint)(audio.SampleRate * blockAlign));
        BinaryPrimitives.WriteUInt16LittleEndian(header[32..], (ushort)blockAlign);
        BinaryPrimitives.WriteUInt16LittleEndian(header[34..], 16);
        "data"u8.CopyTo(header[36..]);
        BinaryPrimitives.WriteUInt32LittleEndian(header[40..], (uint)dataSize);
    }

    private static void WriteSamples(ReadOnlySpan<short> samples, Span<byte> destination)
    {
        if (BitConverter.IsLittleEndian)
        {
            MemoryMarshal.AsBytes(samples).CopyTo(destination);
            return;
        }

        for (var i = 0; i < samples.Length; i++)
        {
            BinaryPrimitives.WriteInt16LittleEndian(destination[(2 * i)..], samples[i]);
        }
    }

    internal static bool IsStreamingPlaceholder(uint size) => size is StreamingSizePlaceholder or 0;
}
