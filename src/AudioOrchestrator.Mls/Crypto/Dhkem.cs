using System.Buffers.Binary;
using System.Security.Cryptography;

namespace AudioOrchestrator.Mls.Crypto;

/// <summary>
/// A Diffie-Hellman based KEM (RFC 9180 §4.1). Keys are serialized as RFC 9180 specifies
/// (SerializePublicKey / SerializePrivateKey).
/// </summary>
public abstract class Dhkem
{
    private static readonly byte[] HpkeV1 = "HPKE-v1"u8.ToArray();
    private readonly byte[] _suiteId;

    private protected Dhkem(ushort kemId, HashAlgorithmName kdf, int secretLength)
    {
        KemId = kemId;
        Kdf = kdf;
        SecretLength = secretLength;
        _suiteId = [(byte)'K', (byte)'E', (byte)'M', (byte)(kemId >> 8), (byte)kemId];
    }

    public ushort KemId { get; }

    /// <summary>KEM shared secret length (Nsecret).</summary>
    public int SecretLength { get; }

    internal HashAlgorithmName Kdf { get; }

    /// <summary>Generates a random key pair.</summary>
    public abstract (byte[] PrivateKey, byte[] PublicKey) GenerateKeyPair();

    /// <summary>DeriveKeyPair (RFC 9180 §7.1.3).</summary>
    public abstract (byte[] PrivateKey, byte[] PublicKey) DeriveKeyPair(ReadOnlySpan<byte> ikm);

    /// <summary>Public key of a private key.</summary>
    public abstract byte[] PublicKeyOf(ReadOnlySpan<byte> privateKey);

    /// <summary>Encap with a fresh ephemeral key (RFC 9180 §4.1).</summary>
    public (byte[] SharedSecret, byte[] Enc) Encap(ReadOnlySpan<byte> recipientPublicKey)
    {
        var (skE, _) = GenerateKeyPair();
        return EncapDeterministic(recipientPublicKey, skE);
    }

    /// <summary>Decap (RFC 9180 §4.1).</summary>
    public byte[] Decap(ReadOnlySpan<byte> enc, ReadOnlySpan<byte> recipientPrivateKey)
    {
        var dh = Dh(recipientPrivateKey, enc);
        byte[] kemContext = [.. enc, .. PublicKeyOf(recipientPrivateKey)];
        return ExtractAndExpand(dh, kemContext);
    }

    /// <summary>Encap with a caller-chosen ephemeral private key (tests only).</summary>
    internal (byte[] SharedSecret, byte[] Enc) EncapDeterministic(ReadOnlySpan<byte> recipientPublicKey, ReadOnlySpan<byte> ephemeralPrivateKey)
    {
        var enc = PublicKeyOf(ephemeralPrivateKey);
        var dh = Dh(ephemeralPrivateKey, recipientPublicKey);
        byte[] kemContext = [.. enc, .. recipientPublicKey];
        return (ExtractAndExpand(dh, kemContext), enc);
    }

    /// <summary>The raw Diffie-Hellman output; throws <see cref="MlsProtocolException"/> for invalid keys.</summary>
    private protected abstract byte[] Dh(ReadOnlySpan<byte> privateKey, ReadOnlySpan<byte> peerPublicKey);

    private protected byte[] LabeledExtract(ReadOnlySpan<byte> salt, ReadOnlySpan<byte> label, ReadOnlySpan<byte> ikm)
    {
        byte[] labeled = [.. HpkeV1, .. _suiteId, .. label, .. ikm];
        var prk = new byte[CryptographicOperations.HashData(Kdf, []).Length];
        HKDF.Extract(Kdf, labeled, salt, prk);
        return prk;
    }

    private protected byte[] LabeledExpand(ReadOnlySpan<byte> prk, ReadOnlySpan<byte> label, ReadOnlySpan<byte> info, int length)
    {
        Span<byte> len = stackalloc byte[2];
        BinaryPrimitives.WriteUInt16BigEndian(len, (ushort)length);
        byte[] labeled = [.. len, .. HpkeV1, .. _suiteId, .. label, .. info];
        var okm = new byte[length];
        HKDF.Expand(Kdf, prk, okm, labeled);
        return okm;
    }

    private byte[] ExtractAndExpand(ReadOnlySpan<byte> dh, ReadOnlySpan<byte> kemContext)
    {
        var eaePrk = LabeledExtract([], "eae_prk"u8, dh);
        return LabeledExpand(eaePrk, "shared_secret"u8, kemContext, SecretLength);
    }
}
