using System.Buffers.Binary;
using System.Text;

namespace AudioOrchestrator.Discord.Voice.Udp;

/// <summary>UDP IP discovery: 74-byte big-endian request (type 1) and response (type 2).</summary>
public static class IpDiscovery
{
    public const int PacketLength = 74;
    public const ushort RequestType = 1;
    public const ushort ResponseType = 2;

    /// <summary>Writes <c>00 01 | 00 46 | ssrc | 64 zero bytes | 00 00</c>.</summary>
    public static void WriteRequest(Span<byte> destination, uint ssrc) => Write(destination, RequestType, ssrc, string.Empty, 0);

    /// <summary>Writes a response (as the voice server does).</summary>
    public static void WriteResponse(Span<byte> destination, uint ssrc, string address, ushort port) => Write(destination, ResponseType, ssrc, address, port);

    /// <summary>Parses a packet of either type; false when it is not a well-formed discovery packet of <paramref name="type"/>.</summary>
    public static bool TryParse(ReadOnlySpan<byte> packet, ushort type, out uint ssrc, out string address, out ushort port)
    {
        ssrc = 0;
        address = string.Empty;
        port = 0;
        if (packet.Length != PacketLength || BinaryPrimitives.ReadUInt16BigEndian(packet) != type || BinaryPrimitives.ReadUInt16BigEndian(packet[2..]) != 70)
        {
            return false;
        }

        ssrc = BinaryPrimitives.ReadUInt32BigEndian(packet[4..]);
        var field = packet[8..72];
        var end = field.IndexOf((byte)0);
        if (end < 0)
        {
            return false;
        }

        address = Encoding.ASCII.GetString(field[..end]);
        port = BinaryPrimitives.ReadUInt16BigEndian(packet[72..]);
        return true;
    }

    private static void Write(Span<byte> destination, ushort type, uint ssrc, string address, ushort port)
    {
        destination = destination[..PacketLength];
        destination.Clear();
        BinaryPrimitives.WriteUInt16BigEndian(destination, type);
        BinaryPrimitives.WriteUInt16BigEndian(destination[2..], 70);
        BinaryPrimitives.WriteUInt32BigEndian(destination[4..], ssrc);
        if (Encoding.ASCII.GetByteCount(address) > 63)
        {
            throw new ArgumentException("Address too long.", nameof(address));
        }

        Encoding.ASCII.GetBytes(address, destination[8..72]);
        BinaryPrimitives.WriteUInt16BigEndian(destination[72..], port);
    }
}
