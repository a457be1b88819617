using AudioOrchestrator.Mls.Codec;
using AudioOrchestrator.Mls.Crypto;
using AudioOrchestrator.Mls.Schedule;

namespace AudioOrchestrator.Mls.Messages;

/// <summary><c>EncryptedGroupSecrets</c> (RFC 9420 §12.4.3.1).</summary>
public sealed record EncryptedGroupSecrets(byte[] NewMember, HpkeCiphertext EncryptedSecrets) : ITlsEncodable, ITlsDecodable<EncryptedGroupSecrets>
{
    public static EncryptedGroupSecrets Decode(TlsReader reader)
    {
        ArgumentNullException.ThrowIfNull(reader);
        return new EncryptedGroupSecrets(reader.ReadOpaque(), HpkeCiphertext.Decode(reader));
    }

    public void Encode(TlsWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.WriteOpaque(NewMember);
        EncryptedSecrets.Encode(writer);
    }
}

/// <summary><c>Welcome</c> (RFC 9420 §12.4.3.1).</summary>
public sealed record Welcome(ushort CipherSuite, IReadOnlyList<EncryptedGroupSecrets> Secrets, byte[] EncryptedGroupInfo) : ITlsEncodable, ITlsDecodable<Welcome>
{
    public static Welcome Decode(TlsReader reader)
    {
        ArgumentNullException.ThrowIfNull(reader);
        return new Welcome(reader.ReadUInt16(), reader.ReadVector(EncryptedGroupSecrets.Decode), reader.ReadOpaque());
    }

    public void Encode(TlsWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.WriteUInt16(CipherSuite);
        writer.WriteVector(Secrets, (w, s) => s.Encode(w));
        writer.WriteOpaque(EncryptedGroupInfo);
    }
}

/// <summary><c>GroupSecrets</c> (RFC 9420 §12.4.3.1).</summary>
public sealed record GroupSecrets(byte[] JoinerSecret, byte[]? PathSecret, IReadOnlyList<PreSharedKeyId> Psks) : ITlsEncodable, ITlsDecodable<GroupSecrets>
{
    public static GroupSecrets Decode(TlsReader reader)
    {
        ArgumentNullException.ThrowIfNull(reader);
        return new GroupSecrets(reader.ReadOpaque(), reader.ReadOptional(r => r.ReadOpaque()), reader.ReadVector(PreSharedKeyId.Decode));
    }

    public void Encode(TlsWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.WriteOpaque(JoinerSecret);
        writer.WriteOptional(PathSecret, (w, p) => w.WriteOpaque(p));
        writer.WriteVector(Psks, (w, p) => p.Encode(w));
    }
}

/// <summary><c>GroupInfo</c> (RFC 9420 §12.4.3).</summary>
public sealed record GroupInfo(
    GroupContext GroupContext,
    IReadOnlyList<Extension> Extensions,
    byte[] ConfirmationTag,
    uint Signer,
    byte[] Signature) : ITlsEncodable, ITlsDecodable<GroupInfo>
{
    public static GroupInfo Decode(TlsReader reader)
    {
        ArgumentNullException.ThrowIfNull(reader);
        return new GroupInfo(GroupContext.Decode(reader), Extension.DecodeList(reader), reader.ReadOpaque(), reader.ReadUInt32(), reader.ReadOpaque());
    }

    public void Encode(TlsWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        EncodeContent(writer);
        writer.WriteOpaque(Signature);
    }

    /// <summary><c>GroupInfoTBS</c>.</summary>
    public byte[] ToBeSigned() => TlsCodec.Serialize(EncodeContent);

    public bool VerifySignature(Crypto.CipherSuite suite, ReadOnlySpan<byte> signerPublicKey)
    {
        ArgumentNullException.ThrowIfNull(suite);
        return suite.VerifyWithLabel(signerPublicKey, "GroupInfoTBS", ToBeSigned(), Signature);
    }

    public GroupInfo Sign(Crypto.CipherSuite suite, ReadOnlySpan<byte> signaturePrivateKey)
    {
        ArgumentNullException.ThrowIfNull(suite);
        return this with { Signature = suite.SignWithLabel(signaturePrivateKey, "GroupInfoTBS", ToBeSigned()) };
    }

    private void EncodeContent(TlsWriter w)
    {
        GroupContext.Encode(w);
        Extension.EncodeList(w, Extensions);
        w.WriteOpaque(ConfirmationTag);
        w.WriteUInt32(Signer);
    }
}
