using System.Buffers.Binary;

namespace AudioOrchestrator.Discord.Voice.Udp;

/// <summary>The fields of a voice RTP header we use (RFC 3550), and its layout rules.</summary>
public readonly record struct RtpHeader(ushort Sequence, uint Timestamp, uint Ssrc)
{
    /// <summary>Length of the fixed header Discord sends: <c>80 78 | seq | timestamp | ssrc</c>.</summary>
    public const int FixedLength = 12;

    /// <summary>Discord's Opus payload type.</summary>
    public const byte PayloadType = 0x78;

    /// <summary>Writes the 12-byte header (version 2, no padding, no extension, no CSRC).</summary>
    public void Write(Span<byte> destination)
    {
        destination[0] = 0x80;
        destination[1] = PayloadType;
        BinaryPrimitives.WriteUInt16BigEndian(destination[2..], Sequence);
        BinaryPrimitives.WriteUInt32BigEndian(destination[4..], Timestamp);
        BinaryPrimitives.WriteUInt32BigEndian(destination[8..], Ssrc);
    }
}
