using System.Security.Cryptography;

namespace AudioOrchestrator.Mls.Crypto;

/// <summary>A signature algorithm of a cipher suite, with keys in the MLS test-vector encodings.</summary>
public abstract class SignatureScheme
{
    public abstract byte[] Sign(ReadOnlySpan<byte> privateKey, ReadOnlySpan<byte> message);

    /// <summary>Returns false for malformed keys or signatures.</summary>
    public abstract bool Verify(ReadOnlySpan<byte> publicKey, ReadOnlySpan<byte> message, ReadOnlySpan<byte> signature);

    public abstract byte[] PublicKeyOf(ReadOnlySpan<byte> privateKey);

    public abstract (byte[] PrivateKey, byte[] PublicKey) GenerateKeyPair();
}

/// <summary>ECDSA with DER signatures, big-endian private scalars and uncompressed public points.</summary>
public sealed class EcdsaScheme : SignatureScheme
{
    private readonly EcDhkem _curve;
    private readonly HashAlgorithmName _hash;

    internal EcdsaScheme(EcDhkem curve, HashAlgorithmName hash)
    {
        _curve = curve;
        _hash = hash;
    }

    public override byte[] Sign(ReadOnlySpan<byte> privateKey, ReadOnlySpan<byte> message)
    {
        using var ecdsa = ECDsa.Create();
        try
        {
            ecdsa.ImportParameters(new ECParameters { Curve = _curve.Curve, D = _curve.PadScalar(privateKey) });
        }
        catch (CryptographicException ex)
        {
            throw new MlsProtocolException("Invalid signature private key.", ex);
        }

        return ecdsa.SignData(message, _hash, DSASignatureFormat.Rfc3279DerSequence);
    }

    public override bool Verify(ReadOnlySpan<byte> publicKey, ReadOnlySpan<byte> message, ReadOnlySpan<byte> signature)
    {
        try
        {
            using var ecdsa = ECDsa.Create(_curve.PublicParameters(publicKey));
            return ecdsa.VerifyData(message, signature, _hash, DSASignatureFormat.Rfc3279DerSequence);
        }
        catch (Exception ex) when (ex is CryptographicException or MlsException)
        {
            return false;
        }
    }

    public override byte[] PublicKeyOf(ReadOnlySpan<byte> privateKey) => _curve.PublicKeyOf(privateKey);

    public override (byte[] PrivateKey, byte[] PublicKey) GenerateKeyPair() => _curve.GenerateKeyPair();
}
