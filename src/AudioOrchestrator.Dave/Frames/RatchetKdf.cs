using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace AudioOrchestrator.Dave.Frames;

/// <summary>
/// RFC 9420 <c>DeriveTreeSecret</c> with HKDF-SHA256, written out with HMAC because the DAVE base
/// secret is 16 bytes and .NET's <see cref="HKDF.Expand(HashAlgorithmName, ReadOnlySpan{byte}, Span{byte}, ReadOnlySpan{byte})"/>
/// refuses a pseudorandom key shorter than the hash (HMAC itself takes any key length).
/// </summary>
internal static class RatchetKdf
{
    /// <summary><c>ExpandWithLabel(secret, label, uint32(generation), length)</c>, length at most 32.</summary>
    public static byte[] DeriveTreeSecret(ReadOnlySpan<byte> secret, string label, uint generation, int length)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(length, SHA256.HashSizeInBytes);
        var fullLabel = Encoding.ASCII.GetBytes("MLS 1.0 " + label);
        // KDFLabel = uint16 length || opaque label<V> || opaque context<V>, then HKDF-Expand's counter 0x01.
        var info = new byte[2 + 1 + fullLabel.Length + 1 + 4 + 1];
        BinaryPrimitives.WriteUInt16BigEndian(info, (ushort)length);
        info[2] = (byte)fullLabel.Length;
        fullLabel.CopyTo(info, 3);
        info[3 + fullLabel.Length] = 4;
        BinaryPrimitives.WriteUInt32BigEndian(info.AsSpan(4 + fullLabel.Length), generation);
        info[^1] = 1;
        var block = HMACSHA256.HashData(secret, info);
        return block[..length];
    }
}
