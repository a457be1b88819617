using System.Security.Cryptography;

namespace AudioOrchestrator.Mls.Crypto;

/// <summary>DHKEM over a NIST curve: raw big-endian scalars and uncompressed points.</summary>
public sealed class EcDhkem : Dhkem
{
    private readonly byte[] _order;
    private readonly byte _bitmask;

    internal EcDhkem(ushort kemId, ECCurve curve, int scalarLength, HashAlgorithmName kdf, int secretLength, byte bitmask, byte[] order)
        : base(kemId, kdf, secretLength)
    {
        Curve = curve;
        ScalarLength = scalarLength;
        _bitmask = bitmask;
        _order = order;
    }

    public ECCurve Curve { get; }

    /// <summary>Length of a serialized private key (Nsk).</summary>
    public int ScalarLength { get; }

    /// <summary>Length of a serialized public key (Npk).</summary>
    public int PublicKeyLength => 1 + (2 * ScalarLength);

    public override (byte[] PrivateKey, byte[] PublicKey) GenerateKeyPair()
    {
        using var ec = ECDiffieHellman.Create(Curve);
        var p = ec.ExportParameters(true);
        return (PadScalar(p.D!), Point(p.Q));
    }

    public override (byte[] PrivateKey, byte[] PublicKey) DeriveKeyPair(ReadOnlySpan<byte> ikm)
    {
        var dkpPrk = LabeledExtract([], "dkp_prk"u8, ikm);
        for (var counter = 0; counter < 256; counter++)
        {
            var candidate = LabeledExpand(dkpPrk, "candidate"u8, [(byte)counter], ScalarLength);
            candidate[0] &= _bitmask;
            if (candidate.AsSpan().ContainsAnyExcept((byte)0) && candidate.AsSpan().SequenceCompareTo(_order) < 0)
            {
                return (candidate, PublicKeyOf(candidate));
            }
        }

        throw new MlsProtocolException("DeriveKeyPair failed.");
    }

    public override byte[] PublicKeyOf(ReadOnlySpan<byte> privateKey)
    {
        using var ec = ImportPrivate(privateKey);
        return Point(ec.ExportParameters(false).Q);
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

    internal static byte[] Point(ECPoint q) => [0x04, .. q.X!, .. q.Y!];

    private protected override byte[] Dh(ReadOnlySpan<byte> privateKey, ReadOnlySpan<byte> peerPublicKey)
    {
        using var me = ImportPrivate(privateKey);
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
}
