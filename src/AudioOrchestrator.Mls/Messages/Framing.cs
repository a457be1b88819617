using AudioOrchestrator.Mls.Codec;

namespace AudioOrchestrator.Mls.Messages;

/// <summary><c>Sender</c> (RFC 9420 §6): <see cref="Index"/> is the leaf index or external-sender index.</summary>
public sealed record Sender(SenderType Type, uint Index) : ITlsEncodable, ITlsDecodable<Sender>
{
    public static Sender Member(uint leafIndex) => new(SenderType.Member, leafIndex);

    public static Sender External(uint senderIndex) => new(SenderType.External, senderIndex);

    public static Sender Decode(TlsReader reader)
    {
        ArgumentNullException.ThrowIfNull(reader);
        var type = EnumCodec.Check<SenderType>(reader.ReadUInt8(), 1, 4, "sender type");
        return type is SenderType.Member or SenderType.External ? new Sender(type, reader.ReadUInt32()) : new Sender(type, 0);
    }

    public void Encode(TlsWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.WriteUInt8((byte)Type);
        if (Type is SenderType.Member or SenderType.External)
        {
            writer.WriteUInt32(Index);
        }
    }
}

/// <summary><c>FramedContent</c> (RFC 9420 §6): one of the three bodies is set according to <see cref="ContentType"/>.</summary>
public sealed record FramedContent(
    byte[] GroupId,
    ulong Epoch,
    Sender Sender,
    byte[] AuthenticatedData,
    ContentType ContentType,
    byte[]? ApplicationData,
    Proposal? Proposal,
    Commit? Commit) : ITlsEncodable, ITlsDecodable<FramedContent>
{
    public static FramedContent Decode(TlsReader reader)
    {
        ArgumentNullException.ThrowIfNull(reader);
        var groupId = reader.ReadOpaque();
        var epoch = reader.ReadUInt64();
        var sender = Sender.Decode(reader);
        var aad = reader.ReadOpaque();
        var type = EnumCodec.Check<ContentType>(reader.ReadUInt8(), 1, 3, "content type");
        return DecodeBody(reader, type, (app, proposal, commit) => new FramedContent(groupId, epoch, sender, aad, type, app, proposal, commit));
    }

    public void Encode(TlsWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.WriteOpaque(GroupId);
        writer.WriteUInt64(Epoch);
        Sender.Encode(writer);
        writer.WriteOpaque(AuthenticatedData);
        writer.WriteUInt8((byte)ContentType);
        EncodeBody(writer);
    }

    /// <summary>Writes the content-type-dependent body only.</summary>
    public void EncodeBody(TlsWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        switch (ContentType)
        {
            case ContentType.Application:
                writer.WriteOpaque(ApplicationData ?? throw new InvalidOperationException("Missing application data."));
                break;
            case ContentType.Proposal:
                (Proposal ?? throw new InvalidOperationException("Missing proposal.")).Encode(writer);
                break;
            default:
                (Commit ?? throw new InvalidOperationException("Missing commit.")).Encode(writer);
                break;
        }
    }

    internal static T DecodeBody<T>(TlsReader reader, ContentType type, Func<byte[]?, Proposal?, Commit?, T> make) => type switch
    {
        ContentType.Application => make(reader.ReadOpaque(), null, null),
        ContentType.Proposal => make(null, Proposal.Decode(reader), null),
        _ => make(null, null, Commit.Decode(reader)),
    };
}

/// <summary><c>FramedContentAuthData</c> (RFC 9420 §6.1): the confirmation tag is present for commits only.</summary>
public sealed record FramedContentAuthData(byte[] Signature, byte[]? ConfirmationTag) : ITlsEncodable
{
    public static FramedContentAuthData Decode(TlsReader reader, ContentType contentType)
    {
        ArgumentNullException.ThrowIfNull(reader);
        var signature = reader.ReadOpaque();
        return new FramedContentAuthData(signature, contentType == ContentType.Commit ? reader.ReadOpaque() : null);
    }

    public void Encode(TlsWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.WriteOpaque(Signature);
        if (ConfirmationTag is not null)
        {
            writer.WriteOpaque(ConfirmationTag);
        }
    }
}

/// <summary><c>AuthenticatedContent</c> (RFC 9420 §6.1).</summary>
public sealed record AuthenticatedContent(WireFormat WireFormat, FramedContent Content, FramedContentAuthData Auth) : ITlsEncodable, ITlsDecodable<AuthenticatedContent>
{
    public static AuthenticatedContent Decode(TlsReader reader)
    {
        ArgumentNullException.ThrowIfNull(reader);
        var wf = EnumCodec.Check<WireFormat>(reader.ReadUInt16(), 1, 5, "wire format");
        var content = FramedContent.Decode(reader);
        return new AuthenticatedContent(wf, content, FramedContentAuthData.Decode(reader, content.ContentType));
    }

    public void Encode(TlsWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.WriteUInt16((ushort)WireFormat);
        Content.Encode(writer);
        Auth.Encode(writer);
    }
}

/// <summary><c>PublicMessage</c> (RFC 9420 §6.2): the membership tag is present for member senders.</summary>
public sealed record PublicMessage(FramedContent Content, FramedContentAuthData Auth, byte[]? MembershipTag) : ITlsEncodable, ITlsDecodable<PublicMessage>
{
    public static PublicMessage Decode(TlsReader reader)
    {
        ArgumentNullException.ThrowIfNull(reader);
        var content = FramedContent.Decode(reader);
        var auth = FramedContentAuthData.Decode(reader, content.ContentType);
        var tag = content.Sender.Type == SenderType.Member ? reader.ReadOpaque() : null;
        return new PublicMessage(content, auth, tag);
    }

    public void Encode(TlsWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        Content.Encode(writer);
        Auth.Encode(writer);
        if (Content.Sender.Type == SenderType.Member)
        {
            writer.WriteOpaque(MembershipTag ?? throw new InvalidOperationException("Member message without membership tag."));
        }
    }
}

/// <summary><c>PrivateMessage</c> (RFC 9420 §6.3).</summary>
public sealed record PrivateMessage(
    byte[] GroupId,
    ulong Epoch,
    ContentType ContentType,
    byte[] AuthenticatedData,
    byte[] EncryptedSenderData,
    byte[] Ciphertext) : ITlsEncodable, ITlsDecodable<PrivateMessage>
{
    public static PrivateMessage Decode(TlsReader reader)
    {
        ArgumentNullException.ThrowIfNull(reader);
        return new PrivateMessage(
            reader.ReadOpaque(),
            reader.ReadUInt64(),
            EnumCodec.Check<ContentType>(reader.ReadUInt8(), 1, 3, "content type"),
            reader.ReadOpaque(),
            reader.ReadOpaque(),
            reader.ReadOpaque());
    }

    public void Encode(TlsWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.WriteOpaque(GroupId);
        writer.WriteUInt64(Epoch);
        writer.WriteUInt8((byte)ContentType);
        writer.WriteOpaque(AuthenticatedData);
        writer.WriteOpaque(EncryptedSenderData);
        writer.WriteOpaque(Ciphertext);
    }
}
