using System.Security.Cryptography;
using AudioOrchestrator.Mls.Codec;

namespace AudioOrchestrator.Mls.Crypto;

/// <summary>
/// An MLS cipher suite (RFC 9420 §5.1) built on .NET cryptography. Supported: 2
/// (DHKEM P-256, AES-128-GCM, SHA-256, ECDSA P-256), 5 (P-521, AES-256-GCM, SHA-512) and
/// 7 (P-384, AES-256-GCM, SHA-384). Instances are immutable.
/// </summary>
public sealed class CipherSuite
{
    private const string LabelPrefix = "MLS 1.0 ";

    private CipherSuite(ushort id, HashAlgorithmName hash, int hashLength, int keyLength, Dhkem kem, SignatureScheme signature, ushort kdfId, ushort aeadId)
    {
        Id = id;
        HashName = hash;
        HashLength = hashLength;
        KeyLength = keyLength;
        Kem = kem;
        Signature = signature;
        AeadId = aeadId;
        Hpke = new Hpke(kem, this, kdfId, aeadId);
    }

    /// <summary>Ciphersuite used by Discord DAVE.</summary>
    public const ushort P256Aes128Sha256 = 2;

    public ushort Id { get; }

    public HashAlgorithmName HashName { get; }

    /// <summary>Hash / KDF output length (Nh).</summary>
    public int HashLength { get; }

    /// <summary>AEAD key length (Nk).</summary>
    public int KeyLength { get; }

    /// <summary>AEAD nonce length (Nn).</summary>
    public int NonceLength => 12;

    /// <summary>The DH-based KEM of this suite.</summary>
    public Dhkem Kem { get; }

    /// <summary>The signature scheme of this suite.</summary>
    public SignatureScheme Signature { get; }

    /// <summary>HPKE AEAD identifier: 1 AES-128-GCM, 2 AES-256-GCM, 3 ChaCha20-Poly1305.</summary>
    public ushort AeadId { get; }

    /// <summary>HPKE base mode of this suite.</summary>
    public Hpke Hpke { get; }

    /// <summary>True when <paramref name="id"/> can be instantiated.</summary>
    public static bool IsSupported(ushort id) => id is 1 or 2 or 3 or 5 or 7;

    /// <summary>Returns the suite with the given identifier.</summary>
    public static CipherSuite Get(ushort id)
    {
        switch (id)
        {
            case 1:
            case 3:
                return new CipherSuite(id, HashAlgorithmName.SHA256, 32, id == 1 ? 16 : 32, new X25519Dhkem(), new Ed25519Scheme(), 0x0001, id == 1 ? (ushort)0x0001 : (ushort)0x0003);
            case 2:
                {
                    var kem = new EcDhkem(0x0010, ECCurve.NamedCurves.nistP256, 32, HashAlgorithmName.SHA256, 32, 0xFF, Convert.FromHexString("ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551"));
                    return new CipherSuite(2, HashAlgorithmName.SHA256, 32, 16, kem, new EcdsaScheme(kem, HashAlgorithmName.SHA256), 0x0001, 0x0001);
                }

            case 5:
                {
                    var kem = new EcDhkem(0x0012, ECCurve.NamedCurves.nistP521, 66, HashAlgorithmName.SHA512, 64, 0x01, Convert.FromHexString("01fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffa51868783bf2f966b7fcc0148f709a5d03bb5c9b8899c47aebb6fb71e91386409"));
                    return new CipherSuite(5, HashAlgorithmName.SHA512, 64, 32, kem, new EcdsaScheme(kem, HashAlgorithmName.SHA512), 0x0003, 0x0002);
                }

            case 7:
                {
                    var kem = new EcDhkem(0x0011, ECCurve.NamedCurves.nistP384, 48, HashAlgorithmName.SHA384, 48, 0xFF, Convert.FromHexString("ffffffffffffffffffffffffffffffffffffffffffffffffc7634d81f4372ddf581a0db248b0a77aecec196accc52973"));
                    return new CipherSuite(7, HashAlgorithmName.SHA384, 48, 32, kem, new EcdsaScheme(kem, HashAlgorithmName.SHA384), 0x0002, 0x0002);
                }

            default:
                throw new MlsProtocolException($"Unsupported cipher suite {id}.");
        }
    }

    public byte[] Hash(ReadOnlySpan<byte> data) => CryptographicOperations.HashData(HashName, data);

    public byte[] Extract(ReadOnlySpan<byte> salt, ReadOnlySpan<byte> ikm)
    {
        var prk = new byte[HashLength];
        HKDF.Extract(HashName, ikm, salt, prk);
        return prk;
    }

    public byte[] Expand(ReadOnlySpan<byte> prk, ReadOnlySpan<byte> info, int length)
    {
        var okm = new byte[length];
        HKDF.Expand(HashName, prk, okm, info);
        return okm;
    }

    public byte[] Mac(ReadOnlySpan<byte> key, ReadOnlySpan<byte> data) => CryptographicOperations.HmacData(HashName, key, data);

    /// <summary>Constant-time check of a MAC.</summary>
    public bool VerifyMac(ReadOnlySpan<byte> key, ReadOnlySpan<byte> data, ReadOnlySpan<byte> tag) =>
        CryptographicOperations.FixedTimeEquals(Mac(key, data), tag);

    /// <summary>AEAD encryption (AES-GCM or ChaCha20-Poly1305); the 16-byte tag is appended.</summary>
    public byte[] Seal(ReadOnlySpan<byte> key, ReadOnlySpan<byte> nonce, ReadOnlySpan<byte> aad, ReadOnlySpan<byte> plaintext)
    {
        var output = new byte[plaintext.Length + 16];
        if (AeadId == 0x0003)
        {
            using var chacha = new ChaCha20Poly1305(key);
            chacha.Encrypt(nonce, plaintext, output.AsSpan(0, plaintext.Length), output.AsSpan(plaintext.Length), aad);
        }
        else
        {
            using var gcm = new AesGcm(key, 16);
            gcm.Encrypt(nonce, plaintext, output.AsSpan(0, plaintext.Length), output.AsSpan(plaintext.Length), aad);
        }

        return output;
    }

    /// <summary>AEAD decryption; throws <see cref="MlsProtocolException"/> on authentication failure.</summary>
    public byte[] Open(ReadOnlySpan<byte> key, ReadOnlySpan<byte> nonce, ReadOnlySpan<byte> aad, ReadOnlySpan<byte> ciphertext)
    {
        if (ciphertext.Length < 16)
        {
            throw new MlsProtocolException("AEAD ciphertext shorter than its tag.");
        }

        var plaintext = new byte[ciphertext.Length - 16];
        try
        {
            if (AeadId == 0x0003)
            {
                using var chacha = new ChaCha20Poly1305(key);
                chacha.Decrypt(nonce, ciphertext[..^16], ciphertext[^16..], plaintext, aad);
            }
            else
            {
                using var gcm = new AesGcm(key, 16);
                gcm.Decrypt(nonce, ciphertext[..^16], ciphertext[^16..], plaintext, aad);
            }
        }
        catch (CryptographicException ex)
        {
            throw new MlsProtocolException("AEAD decryption failed.", ex);
        }

        return plaintext;
    }

    /// <summary>ExpandWithLabel (RFC 9420 §5.1).</summary>
    public byte[] ExpandWithLabel(ReadOnlySpan<byte> secret, string label, ReadOnlySpan<byte> context, int length) =>
        ExpandWithLabel(secret, System.Text.Encoding.ASCII.GetBytes(label), context, length);

    /// <summary>ExpandWithLabel with a label given as bytes.</summary>
    public byte[] ExpandWithLabel(ReadOnlySpan<byte> secret, ReadOnlySpan<byte> label, ReadOnlySpan<byte> context, int length)
    {
        var w = new TlsWriter();
        w.WriteUInt16(checked((ushort)length));
        byte[] fullLabel = [.. "MLS 1.0 "u8, .. label];
        w.WriteOpaque(fullLabel);
        w.WriteOpaque(context);
        return Expand(secret, w.ToArray(), length);
    }

    /// <summary>DeriveSecret (RFC 9420 §5.1).</summary>
    public byte[] DeriveSecret(ReadOnlySpan<byte> secret, string label) => ExpandWithLabel(secret, label, [], HashLength);

    /// <summary>DeriveTreeSecret (RFC 9420 §9).</summary>
    public byte[] DeriveTreeSecret(ReadOnlySpan<byte> secret, string label, uint generation, int length)
    {
        Span<byte> context = stackalloc byte[4];
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(context, generation);
        return ExpandWithLabel(secret, label, context, length);
    }

    /// <summary>RefHash (RFC 9420 §5.2); the label is used as given.</summary>
    public byte[] RefHash(string label, ReadOnlySpan<byte> value)
    {
        var w = new TlsWriter();
        w.WriteOpaque(System.Text.Encoding.ASCII.GetBytes(label));
        w.WriteOpaque(value);
        return Hash(w.ToArray());
    }

    /// <summary>SignWithLabel (RFC 9420 §5.1.2).</summary>
    public byte[] SignWithLabel(ReadOnlySpan<byte> signaturePrivateKey, string label, ReadOnlySpan<byte> content) =>
        Signature.Sign(signaturePrivateKey, SignContent(label, content));

    /// <summary>VerifyWithLabel (RFC 9420 §5.1.2). Returns false for malformed keys or signatures.</summary>
    public bool VerifyWithLabel(ReadOnlySpan<byte> signaturePublicKey, string label, ReadOnlySpan<byte> content, ReadOnlySpan<byte> signature) =>
        Signature.Verify(signaturePublicKey, SignContent(label, content), signature);

    /// <summary>Public signature key for a private signature key.</summary>
    public byte[] SignaturePublicKey(ReadOnlySpan<byte> signaturePrivateKey) => Signature.PublicKeyOf(signaturePrivateKey);

    /// <summary>Generates a fresh signature key pair.</summary>
    public (byte[] PrivateKey, byte[] PublicKey) GenerateSignatureKeyPair() => Signature.GenerateKeyPair();

    /// <summary>EncryptWithLabel (RFC 9420 §5.1.3): HPKE base-mode seal.</summary>
    public HpkeCiphertext EncryptWithLabel(ReadOnlySpan<byte> publicKey, string label, ReadOnlySpan<byte> context, ReadOnlySpan<byte> plaintext)
    {
        var (enc, ct) = Hpke.SealBase(publicKey, EncryptContext(label, context), [], plaintext);
        return new HpkeCiphertext(enc, ct);
    }

    /// <summary>DecryptWithLabel (RFC 9420 §5.1.3): HPKE base-mode open.</summary>
    public byte[] DecryptWithLabel(ReadOnlySpan<byte> privateKey, string label, ReadOnlySpan<byte> context, HpkeCiphertext ciphertext)
    {
        ArgumentNullException.ThrowIfNull(ciphertext);
        return Hpke.OpenBase(ciphertext.KemOutput, privateKey, EncryptContext(label, context), [], ciphertext.Ciphertext);
    }

    private static byte[] PrefixedLabel(string label) => System.Text.Encoding.ASCII.GetBytes(LabelPrefix + label);

    private static byte[] SignContent(string label, ReadOnlySpan<byte> content)
    {
        var w = new TlsWriter();
        w.WriteOpaque(PrefixedLabel(label));
        w.WriteOpaque(content);
        return w.ToArray();
    }

    private static byte[] EncryptContext(string label, ReadOnlySpan<byte> context)
    {
        var w = new TlsWriter();
        w.WriteOpaque(PrefixedLabel(label));
        w.WriteOpaque(context);
        return w.ToArray();
    }
}
