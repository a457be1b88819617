using AudioOrchestrator.Mls.Codec;

namespace AudioOrchestrator.Mls.Messages;

/// <summary><c>KeyPackage</c> (RFC 9420 §10).</summary>
public sealed record KeyPackage(
    ushort CipherSuite,
    byte[] InitKey,
    LeafNode LeafNode,
    IReadOnlyList<Extension> Extensions,
    byte[] Signature) : ITlsEncodable, ITlsDecodable<KeyPackage>
{
    public static KeyPackage Decode(TlsReader reader)
    {
        ArgumentNullException.ThrowIfNull(reader);
        var version = reader.ReadUInt16();
        if (version != GroupContext.Mls10)
        {
            throw new MlsDecodeException($"Unsupported protocol version {version}.");
        }

        return new KeyPackage(reader.ReadUInt16(), reader.ReadOpaque(), LeafNode.Decode(reader), Extension.DecodeList(reader), reader.ReadOpaque());
    }

    public void Encode(TlsWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        EncodeContent(writer);
        writer.WriteOpaque(Signature);
    }

    /// <summary><c>KeyPackageTBS</c>.</summary>
    public byte[] ToBeSigned() => TlsCodec.Serialize(EncodeContent);

    /// <summary>Checks the key package signature with the leaf's signature key.</summary>
    public bool VerifySignature(Crypto.CipherSuite suite)
    {
        ArgumentNullException.ThrowIfNull(suite);
        return suite.VerifyWithLabel(LeafNode.SignatureKey, "KeyPackageTBS", ToBeSigned(), Signature);
    }

    /// <summary>Returns a copy signed with <paramref name="signaturePrivateKey"/>.</summary>
    public KeyPackage Sign(Crypto.CipherSuite suite, ReadOnlySpan<byte> signaturePrivateKey)
    {
        ArgumentNullException.ThrowIfNull(suite);
        return this with { Signature = suite.SignWithLabel(signaturePrivateKey, "KeyPackageTBS", ToBeSigned()) };
    }

    /// <summary><c>KeyPackageRef</c> = RefHash("MLS 1.0 KeyPackage Reference", KeyPackage).</summary>
    public byte[] Reference(Crypto.CipherSuite suite)
    {
        ArgumentNullException.ThrowIfNull(suite);
        return suite.RefHash("MLS 1.0 KeyPackage Reference", this.Serialize());
    }

    private void EncodeContent(TlsWriter w)
    {
        w.WriteUInt16(GroupContext.Mls10);
        w.WriteUInt16(CipherSuite);
        w.WriteOpaque(InitKey);
        LeafNode.Encode(w);
        Extension.EncodeList(w, Extensions);
    }
}
