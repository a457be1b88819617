using System.Buffers.Binary;
using System.Text;

namespace AudioOrchestrator.Audio.Tests.Support;

/// <summary>Hand-assembles RIFF/WAVE files, including malformed ones.</summary>
internal static class WavBuilder
{
    public static byte[] Riff(string formType, params byte[][] chunks) => Riff(formType, riffSize: null, chunks);

    public static byte[] Riff(string formType, uint? riffSize, params byte[][] chunks)
    {
        var body = chunks.SelectMany(c => c).ToArray();
        var file = new byte[12 + body.Length];
        Encoding.ASCII.GetBytes("RIFF").CopyTo(file, 0);
        BinaryPrimitives.WriteUInt32LittleEndian(file.AsSpan(4), riffSize ?? (uint)(4 + body.Length));
        Encoding.ASCII.GetBytes(formType).CopyTo(file, 8);
        body.CopyTo(file, 12);
        return file;
    }

    /// <summary>A chunk with its body padded to even length (unless <paramref name="pad"/> is false).</summary>
    public static byte[] Chunk(string id, byte[] body, uint? declaredSize = null, bool pad = true)
    {
        var padding = pad && body.Length % 2 == 1 ? 1 : 0;
        var chunk = new byte[8 + body.Length + padding];
        Encoding.ASCII.GetBytes(id).CopyTo(chunk, 0);
        BinaryPrimitives.WriteUInt32LittleEndian(chunk.AsSpan(4), declaredSize ?? (uint)body.Length);
        body.CopyTo(chunk, 8);
        return chunk;
    }

    public static byte[] Fmt(ushort tag = 1, ushort channels = 1, uint sampleRate = 16000, ushort bits = 16, uint? byteRate = null, ushort? blockAlign = null)
    {
        var align = blockAlign ?? (ushort)(channels * bits / 8);
        var body = new byte[16];
        BinaryPrimitives.WriteUInt16LittleEndian(body, tag);
        BinaryPrimitives.WriteUInt16LittleEndian(body.AsSpan(2), channels);
        BinaryPrimitives.WriteUInt32LittleEndian(body.AsSpan(4), sampleRate);
        BinaryPrimitives.WriteUInt32LittleEndian(body.AsSpan(8), byteRate ?? (sampleRate * align));
        BinaryPrimitives.WriteUInt16LittleEndian(body.AsSpan(12), align);
        BinaryPrimitives.WriteUInt16LittleEndian(body.AsSpan(14), bits);
        return Chunk("fmt ", body);
    }

    /// <summary>WAVE_FORMAT_EXTENSIBLE 'fmt ' chunk with the given sub-format tag (1 = PCM, 3 = float).</summary>
    public static byte[] FmtExtensible(ushort subFormat, ushort channels = 2, uint sampleRate = 48000, ushort bits = 16)
    {
        var align = (ushort)(channels * bits / 8);
        var body = new byte[40];
        BinaryPrimitives.WriteUInt16LittleEndian(body, 0xFFFE);
        BinaryPrimitives.WriteUInt16LittleEndian(body.AsSpan(2), channels);
        BinaryPrimitives.WriteUInt32LittleEndian(body.AsSpan(4), sampleRate);
        BinaryPrimitives.WriteUInt32LittleEndian(body.AsSpan(8), sampleRate * align);
        BinaryPrimitives.WriteUInt16LittleEndian(body.AsSpan(12), align);
        BinaryPrimitives.WriteUInt16LittleEndian(body.AsSpan(14), bits);
        BinaryPrimitives.WriteUInt16LittleEndian(body.AsSpan(16), 22);
        BinaryPrimitives.WriteUInt16LittleEndian(body.AsSpan(18), bits);
        BinaryPrimitives.WriteUInt32LittleEndian(body.AsSpan(20), 0x3);
        BinaryPrimitives.WriteUInt16LittleEndian(body.AsSpan(24), subFormat);
        byte[] guidTail = [0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x80, 0x00, 0x00, 0xAA, 0x00, 0x38, 0x9B, 0x71];
        guidTail.CopyTo(body, 26);
        return Chunk("fmt ", body);
    }

    public static byte[] Data(params short[] samples)
    {
        var body = new byte[samples.Length * 2];
        for (var i = 0; i < samples.Length; i++)
        {
            BinaryPrimitives.WriteInt16LittleEndian(body.AsSpan(2 * i), samples[i]);
        }

        return Chunk("data", body);
    }
}
