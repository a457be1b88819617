using System.Buffers.Binary;
using System.Security.Cryptography;
using AudioOrchestrator.Discord.Voice.Udp;

namespace AudioOrchestrator.Discord.Voice.Crypto;

/// <summary>
/// Transport encryption of voice RTP packets in the <c>_rtpsize</c> AEAD modes. A packet is
/// <c>H || ciphertext || tag(16) || N(4)</c>: the additional data is the RTP header H including the
/// 4-byte extension preamble (<c>BE DE len</c>); the extension elements are the first <c>4·len</c>
/// bytes of the plaintext; the nonce is the 4 bytes N followed by zeros (12 bytes for AES-256-GCM,
/// 24 for XChaCha20-Poly1305), N being a 32-bit counter. Receiving never throws on packet content:
/// every defect is a <see cref="RtpReceiveResult"/>. Neither direction allocates per packet.
/// Sealing and opening may run on different threads; each direction must be used by one thread at a time.
/// </summary>
public sealed unsafe class VoiceTransportCipher : IDisposable
{
    /// <summary>Key length of both modes.</summary>
    public const int KeyLength = 32;

    /// <summary>Authentication tag length.</summary>
    public const int TagLength = 16;

    /// <summary>Length of the nonce counter appended to each packet.</summary>
    public const int NonceCounterLength = 4;

    /// <summary>Bytes added to header + payload.</summary>
    public const int Overhead = TagLength + NonceCounterLength;

    /// <summary>Largest packet accepted or produced (a UDP datagram on a 1500-byte MTU path).</summary>
    public const int MaxPacketSize = 1472;

    // One AesGcm per direction: an instance keeps native cipher state and is not safe for concurrent calls.
    private readonly AesGcm? _aesSeal;
    private readonly AesGcm? _aesOpen;
    private readonly byte[] _key;
    private uint _nonceCounter;

    /// <param name="mode">The mode of the Session Description.</param>
    /// <param name="secretKey">The 32-byte <c>secret_key</c>; copied.</param>
    /// <param name="initialNonce">First nonce counter (random when null).</param>
    public VoiceTransportCipher(VoiceEncryptionMode mode, ReadOnlySpan<byte> secretKey, uint? initialNonce = null)
    {
        if (secretKey.Length != KeyLength)
        {
            throw new ArgumentException($"The secret key must be {KeyLength} bytes.", nameof(secretKey));
        }

        Mode = mode;
        _key = GC.AllocateArray<byte>(KeyLength, pinned: true);
        secretKey.CopyTo(_key);
        _nonceCounter = initialNonce ?? (uint)RandomNumberGenerator.GetInt32(int.MaxValue);
        switch (mode)
        {
            case VoiceEncryptionMode.AeadAes256GcmRtpSize:
                _aesSeal = new AesGcm(_key, TagLength);
                _aesOpen = new AesGcm(_key, TagLength);
                break;
            case VoiceEncryptionMode.AeadXChaCha20Poly1305RtpSize:
                if (LibSodium.SodiumInit() < 0)
                {
                    throw new CryptographicException("libsodium failed to initialise.");
                }

                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(mode), mode, null);
        }
    }

    public VoiceEncryptionMode Mode { get; }

    /// <summary>The nonce counter of the next sealed packet.</summary>
    public uint NextNonce => _nonceCounter;

    /// <summary>Length of a sealed packet.</summary>
    public static int SealedLength(int headerLength, int payloadLength) => headerLength + payloadLength + Overhead;

    /// <summary>
    /// Seals <paramref name="payload"/> behind <paramref name="header"/> (any valid RTP header; for a header
    /// with an extension, its elements must already be at the front of <paramref name="payload"/>).
    /// </summary>
    /// <returns>The packet length written to <paramref name="packet"/>.</returns>
    public int Seal(ReadOnlySpan<byte> header, ReadOnlySpan<byte> payload, Span<byte> packet)
    {
        var length = SealedLength(header.Length, payload.Length);
        if (packet.Length < length)
        {
            throw new ArgumentException("The packet buffer is too small.", nameof(packet));
        }

        if (header.Overlaps(packet) || payload.Overlaps(packet))
        {
            throw new ArgumentException("Input and output must not overlap.", nameof(packet));
        }

        var counter = _nonceCounter++;
        header.CopyTo(packet);
        var ciphertext = packet.Slice(header.Length, payload.Length);
        var tag = packet.Slice(header.Length + payload.Length, TagLength);
        var counterBytes = packet.Slice(header.Length + payload.Length + TagLength, NonceCounterLength);
        BinaryPrimitives.WriteUInt32BigEndian(counterBytes, counter);
        Span<byte> nonce = stackalloc byte[24];
        nonce.Clear();
        counterBytes.CopyTo(nonce);
        if (_aesSeal is not null)
        {
            _aesSeal.Encrypt(nonce[..12], payload, ciphertext, tag, header);
        }
        else
        {
            fixed (byte* c = ciphertext)
            fixed (byte* m = payload)
            fixed (byte* ad = header)
            fixed (byte* n = nonce)
            fixed (byte* k = _key)
            {
                ulong written;
                if (LibSodium.XChaCha20Poly1305Encrypt(c, &written, m, (ulong)payload.Length, ad, (ulong)header.Length, null, n, k) != 0)
                {
                    throw new CryptographicException("XChaCha20-Poly1305 encryption failed.");
                }
            }
        }

        return length;
    }

    /// <summary>Writes a 12-byte header and seals <paramref name="payload"/> (the send path's usual call).</summary>
    public int Seal(RtpHeader header, ReadOnlySpan<byte> payload, Span<byte> packet)
    {
        Span<byte> h = stackalloc byte[RtpHeader.FixedLength];
        header.Write(h);
        return Seal(h, payload, packet);
    }

    /// <summary>
    /// Opens a received packet into <paramref name="output"/> (at least the packet's length): checks
    /// the RTP header, decrypts, strips the header extension elements and the padding.
    /// </summary>
    public RtpReceiveResult Open(ReadOnlySpan<byte> packet, Span<byte> output, out RtpOpenedPacket opened)
    {
        opened = default;
        var result = ParseHeader(packet, out var headerLength, out var header);
        if (result != RtpReceiveResult.Ok)
        {
            return result;
        }

        if (packet.Length < headerLength + Overhead)
        {
            return RtpReceiveResult.Truncated;
        }

        var cipherLength = packet.Length - headerLength - Overhead;
        if (output.Length < cipherLength)
        {
            return RtpReceiveResult.OutputTooSmall;
        }

        var aad = packet[..headerLength];
        var ciphertext = packet.Slice(headerLength, cipherLength);
        var tag = packet.Slice(headerLength + cipherLength, TagLength);
        Span<byte> nonce = stackalloc byte[24];
        nonce.Clear();
        packet[^NonceCounterLength..].CopyTo(nonce);
        var plaintext = output[..cipherLength];
        if (!Decrypt(nonce, ciphertext, tag, aad, plaintext, packet.Slice(headerLength, cipherLength + TagLength)))
        {
            plaintext.Clear();
            return RtpReceiveResult.DecryptionFailed;
        }

        var offset = 0;
        if ((packet[0] & 0x10) != 0)
        {
            var extensionBytes = 4 * BinaryPrimitives.ReadUInt16BigEndian(packet.Slice(headerLength - 2, 2));
            if (extensionBytes > cipherLength)
            {
                return RtpReceiveResult.BadExtension;
            }

            offset = extensionBytes;
        }

        var end = cipherLength;
        if ((packet[0] & 0x20) != 0)
        {
            var padding = end > 0 ? plaintext[end - 1] : 0;
            if (padding == 0 || padding > end - offset)
            {
                return RtpReceiveResult.BadPadding;
            }

            end -= padding;
        }

        opened = new RtpOpenedPacket(header, offset, end - offset);
        return RtpReceiveResult.Ok;
    }

    /// <summary>Checks the unencrypted RTP header: length limits, version 2, payload type 0x78, CSRCs, extension preamble.</summary>
    public static RtpReceiveResult ParseHeader(ReadOnlySpan<byte> packet, out int headerLength, out RtpHeader header)
    {
        headerLength = 0;
        header = default;
        if (packet.Length > MaxPacketSize)
        {
            return RtpReceiveResult.Oversized;
        }

        if (packet.Length < RtpHeader.FixedLength)
        {
            return RtpReceiveResult.Truncated;
        }

        if (packet[0] >> 6 != 2)
        {
            return RtpReceiveResult.WrongVersion;
        }

        if ((packet[1] & 0x7F) != RtpHeader.PayloadType)
        {
            return RtpReceiveResult.WrongPayloadType;
        }

        headerLength = RtpHeader.FixedLength + (4 * (packet[0] & 0x0F)) + ((packet[0] & 0x10) != 0 ? 4 : 0);
        if (packet.Length < headerLength)
        {
            return RtpReceiveResult.Truncated;
        }

        header = new RtpHeader(
            BinaryPrimitives.ReadUInt16BigEndian(packet[2..]),
            BinaryPrimitives.ReadUInt32BigEndian(packet[4..]),
            BinaryPrimitives.ReadUInt32BigEndian(packet[8..]));
        return RtpReceiveResult.Ok;
    }

    public void Dispose()
    {
        _aesSeal?.Dispose();
        _aesOpen?.Dispose();
        CryptographicOperations.ZeroMemory(_key);
    }

    private bool Decrypt(
        ReadOnlySpan<byte> nonce, ReadOnlySpan<byte> ciphertext, ReadOnlySpan<byte> tag, ReadOnlySpan<byte> aad, Span<byte> plaintext, ReadOnlySpan<byte> combined)
    {
        if (_aesOpen is not null)
        {
            try
            {
                _aesOpen.Decrypt(nonce[..12], ciphertext, tag, plaintext, aad);
                return true;
            }
            catch (AuthenticationTagMismatchException)
            {
                return false;
            }
        }

        fixed (byte* m = plaintext)
        fixed (byte* c = combined)
        fixed (byte* ad = aad)
        fixed (byte* n = nonce)
        fixed (byte* k = _key)
        {
            ulong written;
            return LibSodium.XChaCha20Poly1305Decrypt(m, &written, null, c, (ulong)combined.Length, ad, (ulong)aad.Length, n, k) == 0;
        }
    }
}
