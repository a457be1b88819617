using System.Buffers.Binary;
using AudioOrchestrator.Audio;

namespace AudioOrchestrator.Testing;

/// <summary>
/// Writes Opus packets as an Ogg Opus file (RFC 7845): an OpusHead page, an OpusTags page, then audio pages of a few
/// packets each with granule positions and CRCs, the last one marked end of stream. What speech servers send.
/// </summary>
public static class OggOpusWriter
{
    public static byte[] Write(IReadOnlyList<byte[]> packets, int channels = 1, int packetsPerPage = 10, uint serial = 0x5EED)
    {
        ArgumentNullException.ThrowIfNull(packets);
        using var output = new MemoryStream();
        uint sequence = 0;
        const int PreSkip = 312;
        var head = new byte[19];
        "OpusHead"u8.CopyTo(head);
        head[8] = 1;
        head[9] = (byte)channels;
        BinaryPrimitives.WriteUInt16LittleEndian(head.AsSpan(10), PreSkip);
        BinaryPrimitives.WriteUInt32LittleEndian(head.AsSpan(12), 48_000);
        WritePage(output, [head], 0x02, 0, serial, sequence++);
        WritePage(output, [[.. "OpusTags"u8, 4, 0, 0, 0, (byte)'t', (byte)'e', (byte)'s', (byte)'t', 0, 0, 0, 0]], 0, 0, serial, sequence++);
        long granule = PreSkip;
        for (var i = 0; i < packets.Count; i += packetsPerPage)
        {
            var page = packets.Skip(i).Take(packetsPerPage).ToList();
            granule += page.Sum(p => OpusPacketInfo.DurationSamples(p));
            WritePage(output, page, i + packetsPerPage >= packets.Count ? (byte)0x04 : (byte)0, granule, serial, sequence++);
        }

        return output.ToArray();
    }

    private static void WritePage(Stream output, IReadOnlyList<byte[]> packets, byte type, long granule, uint serial, uint sequence)
    {
        var lacing = new List<byte>();
        foreach (var packet in packets)
        {
            var left = packet.Length;
            while (left >= 255)
            {
                lacing.Add(255);
                left -= 255;
            }

            lacing.Add((byte)left);
        }

        var page = new byte[27 + lacing.Count + packets.Sum(p => p.Length)];
        "OggS"u8.CopyTo(page);
        page[5] = type;
        BinaryPrimitives.WriteInt64LittleEndian(page.AsSpan(6), granule);
        BinaryPrimitives.WriteUInt32LittleEndian(page.AsSpan(14), serial);
        BinaryPrimitives.WriteUInt32LittleEndian(page.AsSpan(18), sequence);
        page[26] = (byte)lacing.Count;
        lacing.CopyTo(page, 27);
        var offset = 27 + lacing.Count;
        foreach (var packet in packets)
        {
            packet.CopyTo(page, offset);
            offset += packet.Length;
        }

        BinaryPrimitives.WriteUInt32LittleEndian(page.AsSpan(22), OggCrc.Update(0, page));
        output.Write(page);
    }

    /// <summary>Joins two 20 ms packets of the same configuration into one 40 ms packet (code 3, variable bit rate).</summary>
    public static byte[] JoinPair(byte[] first, byte[] second)
    {
        ArgumentNullException.ThrowIfNull(first);
        ArgumentNullException.ThrowIfNull(second);
        var length = first.Length - 1;
        byte[] size = length < 252 ? [(byte)length] : [(byte)(252 + ((length - 252) % 4)), (byte)((length - 252) / 4)];
        return [(byte)((first[0] & 0xFC) | 3), 0x80 | 2, .. size, .. first.AsSpan(1), .. second.AsSpan(1)];
    }
}
