using System.Buffers.Binary;

namespace AudioOrchestrator.Audio;

/// <summary>An Ogg Opus stream: its identification header and its audio packets.</summary>
/// <param name="Channels">Channel count of the OpusHead.</param>
/// <param name="PreSkip">Samples (at 48 kHz) to drop from the decoded start.</param>
/// <param name="Packets">The audio packets, in order.</param>
public sealed record OggOpusStream(int Channels, int PreSkip, IReadOnlyList<byte[]> Packets)
{
    /// <summary>True when every packet is one 20 ms frame's worth: what a voice channel sends as it is.</summary>
    public bool IsTwentyMillisecondPackets => Packets.Count > 0 && Packets.All(p => OpusPacketInfo.DurationSamples(p) == 960);
}

/// <summary>
/// Reads an Ogg Opus file (RFC 7845 in RFC 3533 pages) whole: capture patterns, page CRCs, packets across pages, the
/// OpusHead and OpusTags headers. A truncated, corrupt or multiplexed stream is an <see cref="InvalidDataException"/>
/// that says where, never a partial result.
/// </summary>
public static class OggOpusReader
{
    private const int PageHeaderLength = 27;

    /// <summary>Reads every packet of <paramref name="data"/>.</summary>
    /// <exception cref="InvalidDataException">The data is not a complete, well-formed Ogg Opus stream.</exception>
    public static OggOpusStream Read(ReadOnlySpan<byte> data)
    {
        var packets = new List<byte[]>();
        var pending = new List<byte>();
        uint? serial = null;
        var offset = 0;
        var page = 0;
        var lastPage = false;
        while (offset < data.Length)
        {
            if (lastPage)
            {
                throw new InvalidDataException($"Ogg data continues after the end-of-stream page (byte {offset}).");
            }

            var header = data[offset..];
            if (header.Length < PageHeaderLength || !header.StartsWith("OggS"u8))
            {
                throw new InvalidDataException($"Ogg page {page} at byte {offset} has no capture pattern or is cut short.");
            }

            if (header[4] != 0)
            {
                throw new InvalidDataException($"Ogg page {page} has stream structure version {header[4]}; only 0 exists.");
            }

            var type = header[5];
            var pageSerial = BinaryPrimitives.ReadUInt32LittleEndian(header[14..]);
            if (serial is { } s && s != pageSerial)
            {
                throw new InvalidDataException("The Ogg data multiplexes several logical streams; one Opus stream is expected.");
            }

            serial = pageSerial;
            var segments = header[26];
            var headerLength = PageHeaderLength + segments;
            if (header.Length < headerLength)
            {
                throw new InvalidDataException($"Ogg page {page} is cut short in its segment table.");
            }

            var lacing = header.Slice(PageHeaderLength, segments);
            var bodyLength = 0;
            foreach (var l in lacing)
            {
                bodyLength += l;
            }

            if (header.Length < headerLength + bodyLength)
            {
                throw new InvalidDataException($"Ogg page {page} is cut short: {headerLength + bodyLength} bytes announced, {header.Length} left.");
            }

            var whole = header[..(headerLength + bodyLength)];
            var stored = BinaryPrimitives.ReadUInt32LittleEndian(whole[22..]);
            var crc = OggCrc.Update(0, whole[..22]);
            crc = OggCrc.Update(crc, [0, 0, 0, 0]);
            crc = OggCrc.Update(crc, whole[26..]);
            if (crc != stored)
            {
                throw new InvalidDataException($"Ogg page {page} fails its CRC check: the data is corrupt.");
            }

            if ((type & 0x01) == 0 && pending.Count > 0)
            {
                throw new InvalidDataException($"Ogg page {page} drops the unfinished packet of the page before it.");
            }

            var body = whole[headerLength..];
            var position = 0;
            foreach (var l in lacing)
            {
                pending.AddRange(body.Slice(position, l));
                position += l;
                if (l < 255)
                {
                    packets.Add([.. pending]);
                    pending.Clear();
                }
            }

            lastPage = (type & 0x04) != 0;
            offset += whole.Length;
            page++;
        }

        if (pending.Count > 0)
        {
            throw new InvalidDataException("The Ogg data ends inside a packet: it is truncated.");
        }

        return Parse(packets);
    }

    private static OggOpusStream Parse(List<byte[]> packets)
    {
        if (packets.Count < 2 || packets[0].Length < 19 || !packets[0].AsSpan().StartsWith("OpusHead"u8))
        {
            throw new InvalidDataException("The Ogg data is not Opus: it does not start with an OpusHead packet.");
        }

        var head = packets[0];
        var channels = head[9];
        if ((head[8] & 0xF0) != 0 || channels is < 1 or > 2 || head[18] != 0)
        {
            throw new InvalidDataException($"The OpusHead (version {head[8]}, {channels} channels, mapping family {head[18]}) is not a mono or stereo stream this service plays.");
        }

        if (!packets[1].AsSpan().StartsWith("OpusTags"u8))
        {
            throw new InvalidDataException("The Opus stream has no OpusTags packet after its OpusHead.");
        }

        var audio = packets.GetRange(2, packets.Count - 2);
        for (var i = 0; i < audio.Count; i++)
        {
            if (OpusPacketInfo.DurationSamples(audio[i]) < 0)
            {
                throw new InvalidDataException($"Opus packet {i} is malformed: {audio[i].Length} bytes, no valid table of contents.");
            }
        }

        return new OggOpusStream(channels, BinaryPrimitives.ReadUInt16LittleEndian(head.AsSpan(10)), audio);
    }
}
