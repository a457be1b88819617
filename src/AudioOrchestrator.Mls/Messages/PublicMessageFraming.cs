using AudioOrchestrator.Mls.Codec;
using AudioOrchestrator.Mls.Crypto;

namespace AudioOrchestrator.Mls.Messages;

/// <summary>Signatures and membership tags of framed content (RFC 9420 §6.1, §6.2).</summary>
public static class PublicMessageFraming
{
    /// <summary><c>FramedContentTBS</c>; the GroupContext is included for member and new-member-commit senders.</summary>
    public static byte[] ContentTbs(WireFormat wireFormat, FramedContent content, GroupContext? context) => TlsCodec.Serialize(w =>
    {
        ArgumentNullException.ThrowIfNull(content);
        w.WriteUInt16(GroupContext.Mls10);
        w.WriteUInt16((ushort)wireFormat);
        content.Encode(w);
        if (content.Sender.Type is SenderType.Member or SenderType.NewMemberCommit)
        {
            (context ?? throw new ArgumentNullException(nameof(context))).Encode(w);
        }
    });

    /// <summary>Signs framed content (SignWithLabel "FramedContentTBS").</summary>
    public static byte[] Sign(CipherSuite suite, ReadOnlySpan<byte> signaturePrivateKey, WireFormat wireFormat, FramedContent content, GroupContext? context)
    {
        ArgumentNullException.ThrowIfNull(suite);
        return suite.SignWithLabel(signaturePrivateKey, "FramedContentTBS", ContentTbs(wireFormat, content, context));
    }

    /// <summary>Verifies the signature of framed content.</summary>
    public static bool VerifySignature(CipherSuite suite, ReadOnlySpan<byte> signaturePublicKey, WireFormat wireFormat, FramedContent content, FramedContentAuthData auth, GroupContext? context)
    {
        ArgumentNullException.ThrowIfNull(suite);
        ArgumentNullException.ThrowIfNull(auth);
        return suite.VerifyWithLabel(signaturePublicKey, "FramedContentTBS", ContentTbs(wireFormat, content, context), auth.Signature);
    }

    /// <summary>membership_tag = MAC(membership_key, AuthenticatedContentTBM).</summary>
    public static byte[] MembershipTag(CipherSuite suite, ReadOnlySpan<byte> membershipKey, FramedContent content, FramedContentAuthData auth, GroupContext context)
    {
        ArgumentNullException.ThrowIfNull(suite);
        ArgumentNullException.ThrowIfNull(auth);
        var tbm = TlsCodec.Serialize(w =>
        {
            w.Write(ContentTbs(WireFormat.PublicMessage, content, context));
            auth.Encode(w);
        });
        return suite.Mac(membershipKey, tbm);
    }

    /// <summary>
    /// Builds a signed PublicMessage. Application data may not be sent as a PublicMessage; commits
    /// need a confirmation tag; member senders need the membership key.
    /// </summary>
    public static PublicMessage Protect(CipherSuite suite, ReadOnlySpan<byte> signaturePrivateKey, FramedContent content, GroupContext? context, byte[]? membershipKey, byte[]? confirmationTag = null)
    {
        ArgumentNullException.ThrowIfNull(content);
        if (content.ContentType == ContentType.Application)
        {
            throw new MlsProtocolException("Application data must not be sent as a PublicMessage.");
        }

        if ((content.ContentType == ContentType.Commit) != (confirmationTag is not null))
        {
            throw new MlsProtocolException("A confirmation tag is required for, and only for, commits.");
        }

        var auth = new FramedContentAuthData(Sign(suite, signaturePrivateKey, WireFormat.PublicMessage, content, context), confirmationTag);
        byte[]? tag = null;
        if (content.Sender.Type == SenderType.Member)
        {
            tag = MembershipTag(
                suite,
                membershipKey ?? throw new ArgumentNullException(nameof(membershipKey)),
                content,
                auth,
                context ?? throw new ArgumentNullException(nameof(context)));
        }

        return new PublicMessage(content, auth, tag);
    }

    /// <summary>
    /// Verifies a PublicMessage's membership tag (member senders) and signature; throws
    /// <see cref="MlsProtocolException"/> on failure and returns the authenticated content.
    /// </summary>
    public static AuthenticatedContent Verify(CipherSuite suite, PublicMessage message, ReadOnlySpan<byte> signaturePublicKey, GroupContext? context, byte[]? membershipKey)
    {
        ArgumentNullException.ThrowIfNull(suite);
        ArgumentNullException.ThrowIfNull(message);
        if (message.Content.ContentType == ContentType.Application)
        {
            throw new MlsProtocolException("Application data must not be sent as a PublicMessage.");
        }

        if (message.Content.Sender.Type == SenderType.Member)
        {
            if (membershipKey is null || context is null || message.MembershipTag is null
                || !CryptographicEquals(MembershipTag(suite, membershipKey, message.Content, message.Auth, context), message.MembershipTag))
            {
                throw new MlsProtocolException("Invalid membership tag.");
            }
        }

        if (!VerifySignature(suite, signaturePublicKey, WireFormat.PublicMessage, message.Content, message.Auth, context))
        {
            throw new MlsProtocolException("Invalid message signature.");
        }

        return new AuthenticatedContent(WireFormat.PublicMessage, message.Content, message.Auth);
    }

    private static bool CryptographicEquals(byte[] a, byte[] b) => System.Security.Cryptography.CryptographicOperations.FixedTimeEquals(a, b);
}
