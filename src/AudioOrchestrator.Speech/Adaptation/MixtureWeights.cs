using System.Buffers.Binary;
using System.Text;

namespace AudioOrchestrator.Speech.Adaptation;

/// <summary>
/// Turns the quantised mixture weights that pocketsphinx models ship (<c>sendump</c>) back into the float
/// <c>mixture_weights</c> file that the sphinxtrain tools read. The Debian <c>en-us</c> model has only the former.
/// </summary>
/// <remarks>
/// <para>
/// <c>sendump</c> layout (little-endian): length-prefixed, NUL-terminated header strings ended by a zero length; when
/// the header says <c>cluster_count 0</c> (or nothing), two int32 follow: the number of densities per codebook (rows)
/// and of senones (columns); then, for every feature stream and every density, one byte per senone holding
/// <c>-log(w)</c> in the decoder's 8-bit log scale (base 1.0001, shifted right by 10 bits).
/// </para>
/// <para>
/// <c>mixture_weights</c> (sphinx3 binary): the text header <c>s3</c> / <c>version 1.0</c> / <c>endhdr</c>, the byte-order
/// word 0x11223344, then int32 senones, streams, densities and the total count, then float32 weights ordered
/// [senone][stream][density]. No checksum is written (the readers accept files without <c>chksum0</c>).
/// </para>
/// </remarks>
internal static class MixtureWeights
{
    /// <summary>ln(1.0001) * 2^10: one step of the 8-bit weight scale in natural-log units.</summary>
    private static readonly double LogStep = Math.Log(1.0001) * 1024;

    /// <summary>Reads <paramref name="sendumpPath"/> and writes the equivalent <c>mixture_weights</c> file.</summary>
    /// <exception cref="InvalidDataException">The file is not a sendump this converter understands.</exception>
    public static void ConvertSendump(string sendumpPath, string mixtureWeightsPath)
    {
        var data = File.ReadAllBytes(sendumpPath);
        var (senones, streams, densities, offset) = ReadSendumpHeader(data);

        var weights = new float[senones * streams * densities];
        for (var stream = 0; stream < streams; stream++)
        {
            for (var density = 0; density < densities; density++)
            {
                var row = data.AsSpan(offset + (((stream * densities) + density) * senones), senones);
                for (var senone = 0; senone < senones; senone++)
                {
                    weights[(((senone * streams) + stream) * densities) + density] = (float)Math.Exp(-row[senone] * LogStep);
                }
            }
        }

        // Quantisation leaves each distribution a few percent short of 1; renormalise.
        for (var start = 0; start < weights.Length; start += densities)
        {
            var distribution = weights.AsSpan(start, densities);
            double sum = 0;
            foreach (var w in distribution)
            {
                sum += w;
            }

            for (var i = 0; i < distribution.Length; i++)
            {
                distribution[i] = (float)(distribution[i] / sum);
            }
        }

        using var output = File.Create(mixtureWeightsPath);
        output.Write("s3\nversion 1.0\nendhdr\n"u8);
        Span<byte> word = stackalloc byte[4];
        foreach (var value in new[] { 0x11223344, senones, streams, densities, weights.Length })
        {
            BinaryPrimitives.WriteInt32LittleEndian(word, value);
            output.Write(word);
        }

        foreach (var w in weights)
        {
            BinaryPrimitives.WriteSingleLittleEndian(word, w);
            output.Write(word);
        }
    }

    private static (int Senones, int Streams, int Densities, int Offset) ReadSendumpHeader(byte[] data)
    {
        var offset = 0;
        var clusters = 0;
        while (true)
        {
            var length = ReadInt32(data, ref offset);
            if (length == 0)
            {
                break;
            }

            if (length < 0 || offset + length > data.Length)
            {
                throw new InvalidDataException("sendump: header string out of range.");
            }

            var text = Encoding.ASCII.GetString(data, offset, length).TrimEnd('\0');
            offset += length;
            if (text.StartsWith("cluster_count ", StringComparison.Ordinal))
            {
                clusters = int.Parse(text.AsSpan("cluster_count ".Length), System.Globalization.CultureInfo.InvariantCulture);
            }
        }

        if (clusters != 0)
        {
            throw new InvalidDataException("sendump: clustered (4-bit) weights are not supported.");
        }

        var densities = ReadInt32(data, ref offset);
        var senones = ReadInt32(data, ref offset);
        if (densities <= 0 || senones <= 0 || (data.Length - offset) % ((long)densities * senones) != 0)
        {
            throw new InvalidDataException("sendump: dimensions do not match the file size.");
        }

        var streams = (int)((data.Length - offset) / ((long)densities * senones));
        return (senones, streams, densities, offset);
    }

    private static int ReadInt32(byte[] data, ref int offset)
    {
        if (offset + 4 > data.Length)
        {
            throw new InvalidDataException("sendump: truncated header.");
        }

        var value = BinaryPrimitives.ReadInt32LittleEndian(data.AsSpan(offset, 4));
        offset += 4;
        return value;
    }
}
