using System.Buffers.Binary;
using System.Security.Cryptography;

namespace AudioOrchestrator.Dave.Frames;

/// <summary>
/// AES-128-GCM with the DAVE 8-byte truncated tag and the 12-byte nonce <c>0^8 || LE32(nonce)</c>.
/// .NET's <see cref="AesGcm"/> only emits and checks 12 to 16 byte tags, so sealing keeps the first
/// 8 bytes of the full tag, and opening recomputes the tag itself: GCM encryption is CTR mode, so
/// "encrypting" the ciphertext with the same key and nonce yields the plaintext; encrypting that
/// plaintext with the received additional data reproduces the sender's full tag, whose first 8 bytes
/// are compared in constant time. The plaintext is wiped when the tag does not match.
/// </summary>
internal static class FrameCrypto
{
    public const int TagLength = 8;

    public static void Seal(AesGcm aes, uint nonce, ReadOnlySpan<byte> plaintext, ReadOnlySpan<byte> aad, Span<byte> ciphertext, Span<byte> tag8)
    {
        Span<byte> iv = stackalloc byte[12];
        Nonce(iv, nonce);
        Span<byte> tag = stackalloc byte[16];
        aes.Encrypt(iv, plaintext, ciphertext, tag, aad);
        tag[..TagLength].CopyTo(tag8);
    }

    /// <summary>Opens a frame; <paramref name="scratch"/> must hold <paramref name="ciphertext"/>'s length.</summary>
    public static bool Open(AesGcm aes, uint nonce, ReadOnlySpan<byte> ciphertext, ReadOnlySpan<byte> aad, ReadOnlySpan<byte> tag8, Span<byte> plaintext, Span<byte> scratch)
    {
        Span<byte> iv = stackalloc byte[12];
        Nonce(iv, nonce);
        Span<byte> tag = stackalloc byte[16];
        plaintext = plaintext[..ciphertext.Length];
        aes.Encrypt(iv, ciphertext, plaintext, tag, default);
        aes.Encrypt(iv, plaintext, scratch[..ciphertext.Length], tag, aad);
        if (CryptographicOperations.FixedTimeEquals(tag[..TagLength], tag8))
        {
            return true;
        }

        CryptographicOperations.ZeroMemory(plaintext);
        return false;
    }

    private static void Nonce(Span<byte> iv, uint nonce)
    {
        iv[..8].Clear();
        BinaryPrimitives.WriteUInt32LittleEndian(iv[8..], nonce);
    }
}
