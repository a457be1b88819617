using System.Buffers.Binary;
using System.Security.Cryptography;

namespace AudioOrchestrator.Mls.Crypto;

/// <summary>HPKE base mode (RFC 9180 §5.1, §6.1) for single-shot seal and open.</summary>
public sealed class Hpke
{
    private static readonly byte[] HpkeV1 = "HPKE-v1"u8.ToArray();
    private readonly Dhkem _kem;
    private readonly CipherSuite _suite;
    private readonly byte[] _suiteId;

    internal Hpke(Dhkem kem, CipherSuite suite, ushort kdfId, ushort aeadId)
    {
        _kem = kem;
        _suite = suite;
        _suiteId =
        [
            (byte)'H', (byte)'P', (byte)'K', (byte)'E',
            (byte)(kem.KemId >> 8), (byte)kem.KemId,
            (byte)(kdfId >> 8), (byte)kdfId,
            (byte)(aeadId >> 8), (byte)aeadId,
        ];
    }

    /// <summary>SealBase: returns the encapsulated key and the ciphertext.</summary>
    public (byte[] Enc, byte[] Ciphertext) SealBase(ReadOnlySpan<byte> recipientPublicKey, ReadOnlySpan<byte> info, ReadOnlySpan<byte> aad, ReadOnlySpan<byte> plaintext)
    {
        var (sharedSecret, enc) = _kem.Encap(recipientPublicKey);
        var (key, nonce) = KeySchedule(sharedSecret, info);
        return (enc, _suite.Seal(key, nonce, aad, plaintext));
    }

    /// <summary>OpenBase; throws <see cref="MlsProtocolException"/> when decryption fails.</summary>
    public byte[] OpenBase(ReadOnlySpan<byte> enc, ReadOnlySpan<byte> recipientPrivateKey, ReadOnlySpan<byte> info, ReadOnlySpan<byte> aad, ReadOnlySpan<byte> ciphertext)
    {
        var sharedSecret = _kem.Decap(enc, recipientPrivateKey);
        var (key, nonce) = KeySchedule(sharedSecret, info);
        return _suite.Open(key, nonce, aad, ciphertext);
    }

    /// <summary>SetupBaseS followed by Export (RFC 9180 §5.3): returns enc and the exported secret.</summary>
    public (byte[] Enc, byte[] Secret) SendExport(ReadOnlySpan<byte> recipientPublicKey, ReadOnlySpan<byte> info, ReadOnlySpan<byte> exporterContext, int length)
    {
        var (sharedSecret, enc) = _kem.Encap(recipientPublicKey);
        return (enc, Export(sharedSecret, info, exporterContext, length));
    }

    /// <summary>SetupBaseR followed by Export (RFC 9180 §5.3).</summary>
    public byte[] ReceiveExport(ReadOnlySpan<byte> enc, ReadOnlySpan<byte> recipientPrivateKey, ReadOnlySpan<byte> info, ReadOnlySpan<byte> exporterContext, int length) =>
        Export(_kem.Decap(enc, recipientPrivateKey), info, exporterContext, length);

    private byte[] Export(ReadOnlySpan<byte> sharedSecret, ReadOnlySpan<byte> info, ReadOnlySpan<byte> exporterContext, int length)
    {
        var pskIdHash = LabeledExtract([], "psk_id_hash"u8, []);
        var infoHash = LabeledExtract([], "info_hash"u8, info);
        byte[] context = [0x00, .. pskIdHash, .. infoHash];
        var secret = LabeledExtract(sharedSecret, "secret"u8, []);
        var exporterSecret = LabeledExpand(secret, "exp"u8, context, _suite.HashLength);
        return LabeledExpand(exporterSecret, "sec"u8, exporterContext, length);
    }

    private (byte[] Key, byte[] Nonce) KeySchedule(ReadOnlySpan<byte> sharedSecret, ReadOnlySpan<byte> info)
    {
        var pskIdHash = LabeledExtract([], "psk_id_hash"u8, []);
        var infoHash = LabeledExtract([], "info_hash"u8, info);
        byte[] context = [0x00, .. pskIdHash, .. infoHash];
        var secret = LabeledExtract(sharedSecret, "secret"u8, []);
        var key = LabeledExpand(secret, "key"u8, context, _suite.KeyLength);
        var nonce = LabeledExpand(secret, "base_nonce"u8, context, _suite.NonceLength);
        return (key, nonce);
    }

    private byte[] LabeledExtract(ReadOnlySpan<byte> salt, ReadOnlySpan<byte> label, ReadOnlySpan<byte> ikm)
    {
        byte[] labeled = [.. HpkeV1, .. _suiteId, .. label, .. ikm];
        var prk = new byte[_suite.HashLength];
        HKDF.Extract(_suite.HashName, labeled, salt, prk);
        return prk;
    }

    private byte[] LabeledExpand(ReadOnlySpan<byte> prk, ReadOnlySpan<byte> label, ReadOnlySpan<byte> info, int length)
    {
        Span<byte> len = stackalloc byte[2];
        BinaryPrimitives.WriteUInt16BigEndian(len, (ushort)length);
        byte[] labeled = [.. len, .. HpkeV1, .. _suiteId, .. label, .. info];
        var okm = new byte[length];
        HKDF.Expand(_suite.HashName, prk, okm, labeled);
        return okm;
    }
}
