using System.Numerics;
using System.Security.Cryptography;

namespace AudioOrchestrator.Mls.Crypto;

/// <summary>
/// Ed25519 (RFC 8032 §5.1) over <see cref="Curve25519"/> arithmetic. Private keys are 32-byte
/// seeds, public keys 32-byte encoded points. Not constant-time (see <see cref="Curve25519"/>).
/// </summary>
public sealed class Ed25519Scheme : SignatureScheme
{
    private static readonly BigInteger P = Curve25519.P;
    private static readonly BigInteger D = Curve25519.Mod(-121665 * Curve25519.Inverse(121666));
    private static readonly BigInteger L = (BigInteger.One << 252) + BigInteger.Parse("27742317777372353535851937790883648493", System.Globalization.CultureInfo.InvariantCulture);
    private static readonly BigInteger SqrtMinusOne = BigInteger.ModPow(2, (P - 1) / 4, P);
    private static readonly Point Base = BasePoint();

    public override byte[] Sign(ReadOnlySpan<byte> privateKey, ReadOnlySpan<byte> message)
    {
        var (s, prefix, publicKey) = Expand(privateKey);
        var r = Reduce(SHA512.HashData([.. prefix, .. message]));
        var rEncoded = Encode(Multiply(Base, r));
        var k = Reduce(SHA512.HashData([.. rEncoded, .. publicKey, .. message]));
        var sig = (r + (k * s)) % L;
        return [.. rEncoded, .. Curve25519.ToLittleEndian(sig)];
    }

    public override bool Verify(ReadOnlySpan<byte> publicKey, ReadOnlySpan<byte> message, ReadOnlySpan<byte> signature)
    {
        if (publicKey.Length != 32 || signature.Length != 64)
        {
            return false;
        }

        var a = Decode(publicKey);
        var r = Decode(signature[..32]);
        var s = Curve25519.FromLittleEndian(signature[32..]);
        if (a is null || r is null || s >= L)
        {
            return false;
        }

        var k = Reduce(SHA512.HashData([.. signature[..32], .. publicKey, .. message]));
        var left = Encode(Multiply(Base, s));
        var right = Encode(Add(r.Value, Multiply(a.Value, k)));
        return left.AsSpan().SequenceEqual(right);
    }

    public override byte[] PublicKeyOf(ReadOnlySpan<byte> privateKey) => Expand(privateKey).PublicKey;

    public override (byte[] PrivateKey, byte[] PublicKey) GenerateKeyPair()
    {
        var seed = RandomNumberGenerator.GetBytes(32);
        return (seed, PublicKeyOf(seed));
    }

    private static (BigInteger Scalar, byte[] Prefix, byte[] PublicKey) Expand(ReadOnlySpan<byte> privateKey)
    {
        if (privateKey.Length != 32)
        {
            throw new MlsProtocolException("Ed25519 private keys are 32 bytes.");
        }

        var h = SHA512.HashData(privateKey);
        h[0] &= 248;
        h[31] &= 127;
        h[31] |= 64;
        var s = Curve25519.FromLittleEndian(h.AsSpan(0, 32));
        return (s, h[32..], Encode(Multiply(Base, s)));
    }

    private static BigInteger Reduce(byte[] hash) => Curve25519.FromLittleEndian(hash) % L;

    private static Point Add(Point p, Point q)
    {
        var a = Curve25519.Mod((p.Y - p.X) * (q.Y - q.X));
        var b = Curve25519.Mod((p.Y + p.X) * (q.Y + q.X));
        var c = Curve25519.Mod(p.T * 2 * D * q.T);
        var d = Curve25519.Mod(p.Z * 2 * q.Z);
        var e = b - a;
        var f = d - c;
        var g = d + c;
        var h = b + a;
        return new Point(Curve25519.Mod(e * f), Curve25519.Mod(g * h), Curve25519.Mod(f * g), Curve25519.Mod(e * h));
    }

    private static Point Multiply(Point p, BigInteger scalar)
    {
        var result = new Point(0, 1, 1, 0);
        var addend = p;
        while (scalar.Sign > 0)
        {
            if (!scalar.IsEven)
            {
                result = Add(result, addend);
            }

            addend = Add(addend, addend);
            scalar >>= 1;
        }

        return result;
    }

    private static byte[] Encode(Point p)
    {
        var zInv = Curve25519.Inverse(p.Z);
        var x = Curve25519.Mod(p.X * zInv);
        var y = Curve25519.Mod(p.Y * zInv);
        var bytes = Curve25519.ToLittleEndian(y);
        bytes[31] |= (byte)(x.IsEven ? 0 : 0x80);
        return bytes;
    }

    private static Point? Decode(ReadOnlySpan<byte> encoded)
    {
        Span<byte> yBytes = stackalloc byte[32];
        encoded.CopyTo(yBytes);
        var sign = yBytes[31] >> 7;
        yBytes[31] &= 0x7F;
        var y = Curve25519.FromLittleEndian(yBytes);
        if (y >= P)
        {
            return null;
        }

        var x = RecoverX(y, sign);
        return x is null ? null : new Point(x.Value, y, 1, Curve25519.Mod(x.Value * y));
    }

    private static BigInteger? RecoverX(BigInteger y, int sign)
    {
        var u = Curve25519.Mod((y * y) - 1);
        var v = Curve25519.Mod((D * y * y) + 1);
        var v3 = Curve25519.Mod(v * v * v);
        var x = Curve25519.Mod(u * v3 * BigInteger.ModPow(Curve25519.Mod(u * v3 * v3 * v), (P - 5) / 8, P));
        var vx2 = Curve25519.Mod(v * x * x);
        if (vx2 != u)
        {
            if (vx2 != Curve25519.Mod(-u))
            {
                return null;
            }

            x = Curve25519.Mod(x * SqrtMinusOne);
        }

        if (x.IsZero && sign == 1)
        {
            return null;
        }

        return (int)(x & 1) != sign ? P - x : x;
    }

    private static Point BasePoint()
    {
        var y = Curve25519.Mod(4 * Curve25519.Inverse(5));
        var x = RecoverX(y, 0)!.Value;
        return new Point(x, y, 1, Curve25519.Mod(x * y));
    }

    private readonly record struct Point(BigInteger X, BigInteger Y, BigInteger Z, BigInteger T);
}
