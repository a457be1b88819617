using System.Buffers.Binary;
using System.Security.Cryptography;

namespace AudioOrchestrator.Mls.Crypto;

/// <summary>DHKEM over a NIST curve (RFC 9180 §4.1, §7.1). Keys are raw scalars and uncompressed points.</summary>
public sealed class Dhkem
{
    private static readonly byte[] HpkeV1 = "HPKE-v1"u8.ToArray();
    private readonly byte[] _suiteId;
    private readonly byte[] _order;
    private readonly byte _bitmask;

    internal Dhkem(ushort kemId, ECCurve curve, int scalarLength, HashAlgorithmName kdf, int secretLength, byte bitmask)
    {
        KemId = kemId;
        Curve = curve;
        ScalarLength = scalarLength;
        Kdf = kdf;
        SecretLength = secretLength;
        _bitmask = bitmask;
        _suiteId = [(byte)'K', (byte)'E', (byte)'M', (byte)(kemId >> 8), (byte)kemId];
        _order = kemId switch
        {
            0x0010 => Convert.FromHexString("ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551"),
            0x0011 => Convert.FromHexString("ffffffffffffffffffffffffffffffffffffffffffffffffc7634d81f4372ddf581a0db248b0a77aecec196accc52973"),
            _ => Convert.FromHexString("01fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffa51868783bf2f966b7fcc0148f709a5d03bb5c9b8899c47aebb6fb71e91386409"),
        };
    }

    public ushort KemId { get; }

    public ECCurve Curve { get; }

    /// <summary>Length of a serialized private key (Nsk).</summary>
    public int ScalarLength { get; }

    /// <summary>Length of a serialized public key (Npk).</summary>
    public int PublicKeyLength => 1 + (2 * ScalarLength);

    /// <summary>KEM shared secret length (Nsecret).</summary>
    public int SecretLength { get; }

    internal HashAlgorithmName Kdf { get; }

    /// <summary>Generates a random key pair.</summary>
    public (byte[] PrivateKey, byte[] PublicKey) GenerateKeyPair()
    {
        using var ec = ECDiffieHellman.Create(Curve);
        var p = ec.ExportParameters(true);
        return (PadScalar(p.D!), Point(p.Q));
    }

    /// <summary>DeriveKeyPair (RFC 9180 §7.1.3).</summary>
    public (byte[] PrivateKey, byte[] PublicKey) DeriveKeyPair(ReadOnlySpan<byte> ikm)
    {
        var dkpPrk = LabeledExtract([], "dkp_prk"u8, ikm);
        for (var counter = 0; counter < 256; counter++)
        {
            var candidate = LabeledExpand(dkpPrk, "candidate"u8, [(byte)counter], ScalarLength);
            candidate[0] &= _bitmask;
            if (IsValidScalar(candidate))
            {
                return (candidate, PublicKeyOf(candidate));
            }
        }

        throw new MlsProtocolException("DeriveKeyPair failed.");
    }

    /// <summary>Public key (uncompressed point) of a private scalar.</summary>
    public byte[] PublicKeyOf(ReadOnlySpan<byte> privateKey)
    {
        using var ec = ImportPrivate(privateKey);
        return Point(ec.ExportParameters(false).Q);
    }

    /// <summary>Encap with a fresh ephemeral key (RFC 9180 §4.1).</summary>
    public (byte[] SharedSecret, byte[] Enc) Encap(ReadOnlySpan<byte> recipientPublicKey)
    {
        var (skE, _) = GenerateKeyPair();
        return EncapDeterministic(recipientPublicKey, skE);
    }

    /// <summary>Encap with a caller-chosen ephemeral private key (tests only).</summary>
    internal (byte[] SharedSecret, byte[] Enc) EncapDeterministic(ReadOnlySpan<byte> recipientPublicKey, ReadOnlySpan<byte> ephemeralPrivateKey)
    {
        using var eph = ImportPrivate(ephemeralPrivateKey);
        var enc = Point(eph.ExportParameters(false).Q);
        var dh = Dh(eph, recipientPublicKey);
        var kemContext = Concat(enc, recipientPublicKey);
        return (ExtractAndExpand(dh, kemContext), enc);
    }

    /// <summary>Decap (RFC 9180 §4.1).</summary>
    public byte[] Decap(ReadOnlySpan<byte> enc, ReadOnlySpan<byte> recipientPrivateKey)
    {
        using var me = ImportPrivate(recipientPrivateKey);
        var pkRm = Point(me.ExportParameters(false).Q);
        var dh = Dh(me, enc);
        return ExtractAndExpand(dh, Concat(enc, pkRm));
    }

    internal ECParameters PublicParameters(ReadOnlySpan<byte> publicKey)
    {
        if (publicKey.Length != PublicKeyLength || publicKey[0] != 0x04)
        {
            throw new MlsProtocolException("Public key is not an uncompressed point of the suite's curve.");
        }

        return new ECParameters
        {
            Curve = Curve,
            Q = new ECPoint { X = publicKey.Slice(1, ScalarLength).ToArray(), Y = publicKey.Slice(1 + ScalarLength).ToArray() },
        };
    }

    internal byte[] PadScalar(ReadOnlySpan<byte> scalar)
    {
        if (scalar.Length > ScalarLength)
        {
            throw new MlsProtocolException("Private key too long.");
        }

        var padded = new byte[ScalarLength];
        scalar.CopyTo(padded.AsSpan(ScalarLength - scalar.Length));
        return padded;
    }

    private static byte[] Concat(ReadOnlySpan<byte> a, ReadOnlySpan<byte> b)
    {
        var result = new byte[a.Length + b.Length];
        a.CopyTo(result);
        b.CopyTo(result.AsSpan(a.Length));
        return result;
    }

    private static byte[] Point(ECPoint q) => [0x04, .. q.X!, .. q.Y!];

    private bool IsValidScalar(ReadOnlySpan<byte> candidate)
    {
        if (!candidate.ContainsAnyExcept((byte)0))
        {
            return false;
        }

        return candidate.SequenceCompareTo(_order) < 0;
    }

    private ECDiffieHellman ImportPrivate(ReadOnlySpan<byte> privateKey)
    {
        var ec = ECDiffieHellman.Create();
        try
        {
            ec.ImportParameters(new ECParameters { Curve = Curve, D = PadScalar(privateKey) });
            return ec;
        }
        catch (CryptographicException ex)
        {
            ec.Dispose();
            throw new MlsProtocolException("Invalid HPKE private key.", ex);
        }
    }

    private byte[] Dh(ECDiffieHellman me, ReadOnlySpan<byte> peerPublicKey)
    {
        try
        {
            using var peer = ECDiffieHellman.Create(PublicParameters(peerPublicKey));
            return me.DeriveRawSecretAgreement(peer.PublicKey);
        }
        catch (CryptographicException ex)
        {
            throw new MlsProtocolException("Invalid HPKE public key.", ex);
        }
    }

    private byte[] ExtractAndExpand(ReadOnlySpan<byte> dh, ReadOnlySpan<byte> kemContext)
    {
        var eaePrk = LabeledExtract([], "eae_prk"u8, dh);
        return LabeledExpand(eaePrk, "shared_secret"u8, kemContext, SecretLength);
    }

    private byte[] LabeledExtract(ReadOnlySpan<byte> salt, ReadOnlySpan<byte> label, ReadOnlySpan<byte> ikm)
    {
        byte[] labeled = [.. HpkeV1, .. _suiteId, .. label, .. ikm];
        var prk = new byte[CryptographicOperations.HashData(Kdf, []).Length];
        HKDF.Extract(Kdf, labeled, salt, prk);
        return prk;
    }

    private byte[] LabeledExpand(ReadOnlySpan<byte> prk, ReadOnlySpan<byte> label, ReadOnlySpan<byte> info, int length)
    {
        Span<byte> len = stackalloc byte[2];
        BinaryPrimitives.WriteUInt16BigEndian(len, (ushort)length);
        byte[] labeled = [.. len, .. HpkeV1, .. _suiteId, .. label, .. info];
        var okm = new byte[length];
        HKDF.Expand(Kdf, prk, okm, labeled);
        return okm;
    }
}
