using System.Buffers.Binary;

namespace AudioOrchestrator.Audio;

/// <summary>
/// Turns the pages of one logical Ogg stream (RFC 3533), given in order, into packets: capture pattern, version, CRC,
/// one serial number, packets continued across pages, nothing after the end-of-stream page. Bad data is an
/// <see cref="InvalidDataException"/> saying which page and why.
/// </summary>
public sealed class OggPacketAssembler
{
    /// <summary>Length of a page header before its segment table.</summary>
    public const int HeaderLength = 27;

    private readonly List<byte> _pending = [];
    private uint? _serial;
    private int _page;

    /// <summary>True once the end-of-stream page was read.</summary>
    public bool Ended { get; private set; }

    /// <summary>The whole length of the page that starts <paramref name="data"/>, or null while <paramref name="data"/> is too short to tell.</summary>
    public static int? PageLength(ReadOnlySpan<byte> data)
    {
        if (data.Length < HeaderLength || data.Length < HeaderLength + data[26])
        {
            return null;
        }

        var length = HeaderLength + data[26];
        foreach (var lacing in data.Slice(HeaderLength, data[26]))
        {
            length += lacing;
        }

        return length;
    }

    /// <summary>Reads the page that starts <paramref name="data"/>, adds its completed packets, and returns its length.</summary>
    public int AddPage(ReadOnlySpan<byte> data, List<byte[]> packets)
    {
        ArgumentNullException.ThrowIfNull(packets);
        if (Ended)
        {
            throw new InvalidDataException($"Ogg data continues after the end-of-stream page (page {_page}).");
        }

        if (data.Length < 4 || !data.StartsWith("OggS"u8))
        {
            throw new InvalidDataException($"Ogg page {_page} has no capture pattern.");
        }

        if (PageLength(data) is not { } length || data.Length < length)
        {
            throw new InvalidDataException($"Ogg page {_page} is cut short: {(PageLength(data) is { } l ? $"{l} bytes announced, {data.Length} there" : "its header is incomplete")}.");
        }

        var page = data[..length];
        if (page[4] != 0)
        {
            throw new InvalidDataException($"Ogg page {_page} has stream structure version {page[4]}; only 0 exists.");
        }

        var serial = BinaryPrimitives.ReadUInt32LittleEndian(page[14..]);
        if (_serial is { } known && known != serial)
        {
            throw new InvalidDataException("The Ogg data multiplexes several logical streams; one Opus stream is expected.");
        }

        _serial = serial;
        var crc = OggCrc.Update(0, page[..22]);
        crc = OggCrc.Update(crc, [0, 0, 0, 0]);
        crc = OggCrc.Update(crc, page[26..]);
        if (crc != BinaryPrimitives.ReadUInt32LittleEndian(page[22..]))
        {
            throw new InvalidDataException($"Ogg page {_page} fails its CRC check: the data is corrupt.");
        }

        var type = page[5];
        if ((type & 0x01) == 0 && _pending.Count > 0)
        {
            throw new InvalidDataException($"Ogg page {_page} drops the unfinished packet of the page before it.");
        }

        var segments = page[26];
        var position = HeaderLength + segments;
        foreach (var lacing in page.Slice(HeaderLength, segments))
        {
            _pending.AddRange(page.Slice(position, lacing));
            position += lacing;
            if (lacing < 255)
            {
                packets.Add([.. _pending]);
                _pending.Clear();
            }
        }

        Ended = (type & 0x04) != 0;
        _page++;
        return length;
    }

    /// <summary>Throws when the data ended inside a packet.</summary>
    public void Finish()
    {
        if (_pending.Count > 0)
        {
            throw new InvalidDataException("The Ogg data ends inside a packet: it is truncated.");
        }
    }
}
