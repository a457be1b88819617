using AudioOrchestrator.Mls.Codec;
using AudioOrchestrator.Mls.Crypto;

namespace AudioOrchestrator.Mls.Messages;

/// <summary><c>Capabilities</c> (RFC 9420 §7.2).</summary>
public sealed record Capabilities(
    IReadOnlyList<ushort> Versions,
    IReadOnlyList<ushort> CipherSuites,
    IReadOnlyList<ushort> Extensions,
    IReadOnlyList<ushort> Proposals,
    IReadOnlyList<ushort> Credentials) : ITlsEncodable, ITlsDecodable<Capabilities>
{
    public static Capabilities Decode(TlsReader reader)
    {
        ArgumentNullException.ThrowIfNull(reader);
        return new Capabilities(List(reader), List(reader), List(reader), List(reader), List(reader));
    }

    public void Encode(TlsWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        foreach (var list in new[] { Versions, CipherSuites, Extensions, Proposals, Credentials })
        {
            writer.WriteVector(list, (w, v) => w.WriteUInt16(v));
        }
    }

    private static IReadOnlyList<ushort> List(TlsReader reader) => reader.ReadVector(r => r.ReadUInt16());
}

/// <summary><c>Lifetime</c> (RFC 9420 §7.2).</summary>
public sealed record Lifetime(ulong NotBefore, ulong NotAfter) : ITlsEncodable, ITlsDecodable<Lifetime>
{
    public static Lifetime Decode(TlsReader reader)
    {
        ArgumentNullException.ThrowIfNull(reader);
        return new Lifetime(reader.ReadUInt64(), reader.ReadUInt64());
    }

    public void Encode(TlsWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.WriteUInt64(NotBefore);
        writer.WriteUInt64(NotAfter);
    }
}

/// <summary>
/// <c>LeafNode</c> (RFC 9420 §7.2). <see cref="Lifetime"/> is set for key-package leaves,
/// <see cref="ParentHash"/> for commit leaves.
/// </summary>
public sealed record LeafNode(
    byte[] EncryptionKey,
    byte[] SignatureKey,
    Credential Credential,
    Capabilities Capabilities,
    LeafNodeSource Source,
    Lifetime? Lifetime,
    byte[]? ParentHash,
    IReadOnlyList<Extension> Extensions,
    byte[] Signature) : ITlsEncodable, ITlsDecodable<LeafNode>
{
    public static LeafNode Decode(TlsReader reader)
    {
        ArgumentNullException.ThrowIfNull(reader);
        var encryptionKey = reader.ReadOpaque();
        var signatureKey = reader.ReadOpaque();
        var credential = Credential.Decode(reader);
        var capabilities = Capabilities.Decode(reader);
        var source = EnumCodec.Check<LeafNodeSource>(reader.ReadUInt8(), 1, 3, "leaf node source");
        Lifetime? lifetime = source == LeafNodeSource.KeyPackage ? Lifetime.Decode(reader) : null;
        var parentHash = source == LeafNodeSource.Commit ? reader.ReadOpaque() : null;
        var extensions = Extension.DecodeList(reader);
        return new LeafNode(encryptionKey, signatureKey, credential, capabilities, source, lifetime, parentHash, extensions, reader.ReadOpaque());
    }

    public void Encode(TlsWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        EncodeContent(writer);
        writer.WriteOpaque(Signature);
    }

    /// <summary><c>LeafNodeTBS</c>; group id and leaf index are used for update and commit leaves.</summary>
    public byte[] ToBeSigned(byte[]? groupId, uint leafIndex) => TlsCodec.Serialize(w =>
    {
        EncodeContent(w);
        if (Source != LeafNodeSource.KeyPackage)
        {
            w.WriteOpaque(groupId ?? throw new ArgumentNullException(nameof(groupId)));
            w.WriteUInt32(leafIndex);
        }
    });

    /// <summary>Checks the leaf signature with its own signature key.</summary>
    public bool VerifySignature(CipherSuite suite, byte[]? groupId, uint leafIndex)
    {
        ArgumentNullException.ThrowIfNull(suite);
        return suite.VerifyWithLabel(SignatureKey, "LeafNodeTBS", ToBeSigned(groupId, leafIndex), Signature);
    }

    /// <summary>Returns a copy signed with <paramref name="signaturePrivateKey"/>.</summary>
    public LeafNode Sign(CipherSuite suite, ReadOnlySpan<byte> signaturePrivateKey, byte[]? groupId, uint leafIndex)
    {
        ArgumentNullException.ThrowIfNull(suite);
        return this with { Signature = suite.SignWithLabel(signaturePrivateKey, "LeafNodeTBS", ToBeSigned(groupId, leafIndex)) };
    }

    private void EncodeContent(TlsWriter w)
    {
        w.WriteOpaque(EncryptionKey);
        w.WriteOpaque(SignatureKey);
        Credential.Encode(w);
        Capabilities.Encode(w);
        w.WriteUInt8((byte)Source);
        switch (Source)
        {
            case LeafNodeSource.KeyPackage:
                (Lifetime ?? throw new InvalidOperationException("Key-package leaf without lifetime.")).Encode(w);
                break;
            case LeafNodeSource.Commit:
                w.WriteOpaque(ParentHash ?? throw new InvalidOperationException("Commit leaf without parent hash."));
                break;
            default:
                break;
        }

        Extension.EncodeList(w, Extensions);
    }
}
