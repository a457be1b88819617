using System.Security.Cryptography;
using AudioOrchestrator.Mls.Codec;
using AudioOrchestrator.Mls.Crypto;
using AudioOrchestrator.Mls.Schedule;

namespace AudioOrchestrator.Mls.Messages;

/// <summary>Encryption and decryption of PrivateMessage (RFC 9420 §6.3).</summary>
public static class PrivateMessageFraming
{
    /// <summary>Signs and encrypts member content with the sender's next ratchet key.</summary>
    public static PrivateMessage Protect(
        CipherSuite suite,
        ReadOnlySpan<byte> signaturePrivateKey,
        FramedContent content,
        GroupContext context,
        SecretTree secretTree,
        ReadOnlySpan<byte> senderDataSecret,
        byte[]? confirmationTag = null,
        int paddingLength = 0)
    {
        ArgumentNullException.ThrowIfNull(suite);
        ArgumentNullException.ThrowIfNull(content);
        ArgumentNullException.ThrowIfNull(secretTree);
        if (content.Sender.Type != SenderType.Member)
        {
            throw new MlsProtocolException("Only members send PrivateMessages.");
        }

        if ((content.ContentType == ContentType.Commit) != (confirmationTag is not null))
        {
            throw new MlsProtocolException("A confirmation tag is required for, and only for, commits.");
        }

        var auth = new FramedContentAuthData(PublicMessageFraming.Sign(suite, signaturePrivateKey, WireFormat.PrivateMessage, content, context), confirmationTag);
        var plaintext = TlsCodec.Serialize(w =>
        {
            content.EncodeBody(w);
            auth.Encode(w);
            w.Write(new byte[paddingLength]);
        });

        var kind = content.ContentType == ContentType.Application ? RatchetKind.Application : RatchetKind.Handshake;
        var key = secretTree.Ratchet(content.Sender.Index, kind).Next();
        var reuseGuard = RandomNumberGenerator.GetBytes(4);
        var nonce = GuardedNonce(key.Nonce, reuseGuard);
        var aad = ContentAad(content.GroupId, content.Epoch, content.ContentType, content.AuthenticatedData);
        var ciphertext = suite.Seal(key.Key, nonce, aad, plaintext);

        var senderData = TlsCodec.Serialize(w =>
        {
            w.WriteUInt32(content.Sender.Index);
            w.WriteUInt32(key.Generation);
            w.Write(reuseGuard);
        });
        var (sdKey, sdNonce) = SecretTree.SenderDataKeys(suite, senderDataSecret, ciphertext);
        var encryptedSenderData = suite.Seal(sdKey, sdNonce, SenderDataAad(content.GroupId, content.Epoch, content.ContentType), senderData);
        return new PrivateMessage(content.GroupId, content.Epoch, content.ContentType, content.AuthenticatedData, encryptedSenderData, ciphertext);
    }

    /// <summary>
    /// Decrypts a PrivateMessage and verifies its signature with the key that
    /// <paramref name="signatureKeyOf"/> returns for the sender's leaf index.
    /// </summary>
    public static AuthenticatedContent Unprotect(
        CipherSuite suite,
        PrivateMessage message,
        GroupContext context,
        SecretTree secretTree,
        ReadOnlySpan<byte> senderDataSecret,
        Func<uint, byte[]> signatureKeyOf)
    {
        ArgumentNullException.ThrowIfNull(suite);
        ArgumentNullException.ThrowIfNull(message);
        ArgumentNullException.ThrowIfNull(secretTree);
        ArgumentNullException.ThrowIfNull(signatureKeyOf);
        var (sdKey, sdNonce) = SecretTree.SenderDataKeys(suite, senderDataSecret, message.Ciphertext);
        var senderData = suite.Open(sdKey, sdNonce, SenderDataAad(message.GroupId, message.Epoch, message.ContentType), message.EncryptedSenderData);
        var sdReader = new TlsReader(senderData);
        var leaf = sdReader.ReadUInt32();
        var generation = sdReader.ReadUInt32();
        var reuseGuard = sdReader.ReadFixed(4);
        sdReader.EnsureEnd();

        var kind = message.ContentType == ContentType.Application ? RatchetKind.Application : RatchetKind.Handshake;
        var ratchet = secretTree.Ratchet(leaf, kind);
        var key = ratchet.Get(generation);
        var aad = ContentAad(message.GroupId, message.Epoch, message.ContentType, message.AuthenticatedData);
        byte[] plaintext;
        try
        {
            plaintext = suite.Open(key.Key, GuardedNonce(key.Nonce, reuseGuard), aad, message.Ciphertext);
        }
        catch (MlsProtocolException)
        {
            ratchet.Restore(key);
            throw;
        }

        var reader = new TlsReader(plaintext);
        var content = FramedContent.DecodeBody(reader, message.ContentType, (app, proposal, commit) =>
            new FramedContent(message.GroupId, message.Epoch, Sender.Member(leaf), message.AuthenticatedData, message.ContentType, app, proposal, commit));
        var auth = FramedContentAuthData.Decode(reader, message.ContentType);
        if (reader.ReadRemaining().AsSpan().ContainsAnyExcept((byte)0))
        {
            throw new MlsProtocolException("Non-zero padding in PrivateMessage.");
        }

        if (!PublicMessageFraming.VerifySignature(suite, signatureKeyOf(leaf), WireFormat.PrivateMessage, content, auth, context))
        {
            throw new MlsProtocolException("Invalid message signature.");
        }

        return new AuthenticatedContent(WireFormat.PrivateMessage, content, auth);
    }

    private static byte[] GuardedNonce(byte[] nonce, byte[] reuseGuard)
    {
        var guarded = (byte[])nonce.Clone();
        for (var i = 0; i < 4; i++)
        {
            guarded[i] ^= reuseGuard[i];
        }

        return guarded;
    }

    private static byte[] SenderDataAad(byte[] groupId, ulong epoch, ContentType type) => TlsCodec.Serialize(w =>
    {
        w.WriteOpaque(groupId);
        w.WriteUInt64(epoch);
        w.WriteUInt8((byte)type);
    });

    private static byte[] ContentAad(byte[] groupId, ulong epoch, ContentType type, byte[] authenticatedData) => TlsCodec.Serialize(w =>
    {
        w.WriteOpaque(groupId);
        w.WriteUInt64(epoch);
        w.WriteUInt8((byte)type);
        w.WriteOpaque(authenticatedData);
    });
}
