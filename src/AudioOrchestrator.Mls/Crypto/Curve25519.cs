using System.Numerics;
using System.Security.Cryptography;

namespace AudioOrchestrator.Mls.Crypto;

/// <summary>
/// Arithmetic over GF(2^255 - 19) for X25519 (RFC 7748) and Ed25519 (RFC 8032). Written for
/// correctness with <see cref="BigInteger"/>; not constant-time, so suites 1 and 3 are meant for
/// interoperability tests, not for production keys.
/// </summary>
internal static class Curve25519
{
    public static readonly BigInteger P = (BigInteger.One << 255) - 19;

    public static BigInteger Mod(BigInteger x)
    {
        var r = x % P;
        return r.Sign < 0 ? r + P : r;
    }

    public static BigInteger Inverse(BigInteger x) => BigInteger.ModPow(x, P - 2, P);

    public static BigInteger FromLittleEndian(ReadOnlySpan<byte> bytes) => new(bytes, isUnsigned: true, isBigEndian: false);

    public static byte[] ToLittleEndian(BigInteger x, int length = 32)
    {
        var result = new byte[length];
        x.TryWriteBytes(result, out _, isUnsigned: true, isBigEndian: false);
        return result;
    }

    /// <summary>X25519(k, u) (RFC 7748 §5).</summary>
    public static byte[] X25519(ReadOnlySpan<byte> scalar, ReadOnlySpan<byte> uCoordinate)
    {
        if (scalar.Length != 32 || uCoordinate.Length != 32)
        {
            throw new MlsProtocolException("X25519 keys are 32 bytes.");
        }

        Span<byte> k = stackalloc byte[32];
        scalar.CopyTo(k);
        k[0] &= 248;
        k[31] &= 127;
        k[31] |= 64;
        Span<byte> u = stackalloc byte[32];
        uCoordinate.CopyTo(u);
        u[31] &= 127;

        var kk = FromLittleEndian(k);
        var x1 = Mod(FromLittleEndian(u));
        BigInteger x2 = 1, z2 = 0, x3 = x1, z3 = 1;
        var swap = 0;
        for (var t = 254; t >= 0; t--)
        {
            var kt = (int)((kk >> t) & 1);
            swap ^= kt;
            if (swap == 1)
            {
                (x2, x3) = (x3, x2);
                (z2, z3) = (z3, z2);
            }

            swap = kt;
            var a = Mod(x2 + z2);
            var aa = Mod(a * a);
            var b = Mod(x2 - z2);
            var bb = Mod(b * b);
            var e = Mod(aa - bb);
            var c = Mod(x3 + z3);
            var d = Mod(x3 - z3);
            var da = Mod(d * a);
            var cb = Mod(c * b);
            x3 = Mod((da + cb) * (da + cb));
            z3 = Mod(x1 * Mod((da - cb) * (da - cb)));
            x2 = Mod(aa * bb);
            z2 = Mod(e * (aa + (121665 * e)));
        }

        if (swap == 1)
        {
            (x2, _) = (x3, x2);
            (z2, _) = (z3, z2);
        }

        return ToLittleEndian(Mod(x2 * Inverse(z2)));
    }
}

/// <summary>DHKEM(X25519, HKDF-SHA256) (RFC 9180 §7.1).</summary>
public sealed class X25519Dhkem : Dhkem
{
    private static readonly byte[] BasePoint = [9, .. new byte[31]];

    internal X25519Dhkem()
        : base(0x0020, HashAlgorithmName.SHA256, 32)
    {
    }

    public override (byte[] PrivateKey, byte[] PublicKey) GenerateKeyPair()
    {
        var sk = RandomNumberGenerator.GetBytes(32);
        return (sk, PublicKeyOf(sk));
    }

    public override (byte[] PrivateKey, byte[] PublicKey) DeriveKeyPair(ReadOnlySpan<byte> ikm)
    {
        var dkpPrk = LabeledExtract([], "dkp_prk"u8, ikm);
        var sk = LabeledExpand(dkpPrk, "sk"u8, [], 32);
        return (sk, PublicKeyOf(sk));
    }

    public override byte[] PublicKeyOf(ReadOnlySpan<byte> privateKey) => Curve25519.X25519(privateKey, BasePoint);

    private protected override byte[] Dh(ReadOnlySpan<byte> privateKey, ReadOnlySpan<byte> peerPublicKey)
    {
        var shared = Curve25519.X25519(privateKey, peerPublicKey);
        if (!shared.AsSpan().ContainsAnyExcept((byte)0))
        {
            throw new MlsProtocolException("X25519 produced the all-zero value.");
        }

        return shared;
    }
}
