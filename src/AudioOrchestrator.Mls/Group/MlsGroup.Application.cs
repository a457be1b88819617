using AudioOrchestrator.Mls.Messages;

namespace AudioOrchestrator.Mls.Group;

/// <summary>Application messages, always sent as PrivateMessage (RFC 9420 §6.3).</summary>
public sealed partial class MlsGroup
{
    /// <summary>Encrypts application data with our next application ratchet key.</summary>
    public MlsMessage EncryptApplicationMessage(ReadOnlySpan<byte> data, byte[]? authenticatedData = null, int paddingLength = 0)
    {
        EnsureMember();
        var content = new FramedContent(GroupId, Epoch, Sender.Member(OwnLeaf), authenticatedData ?? [], ContentType.Application, data.ToArray(), null, null);
        var message = PrivateMessageFraming.Protect(Suite, _signaturePrivateKey, content, Context, _secretTree, Secrets.SenderDataSecret, null, paddingLength);
        return new MlsMessage(WireFormat.PrivateMessage, PrivateMessage: message);
    }

    /// <summary>Decrypts and authenticates an application message of the current epoch.</summary>
    public (uint SenderLeaf, byte[] Data) DecryptApplicationMessage(MlsMessage message)
    {
        EnsureMember();
        ArgumentNullException.ThrowIfNull(message);
        if (message.WireFormat != WireFormat.PrivateMessage || message.PrivateMessage!.ContentType != ContentType.Application)
        {
            throw new MlsProtocolException("Not an application PrivateMessage.");
        }

        var content = Unprotect(message).Content;
        return (content.Sender.Index, content.ApplicationData!);
    }
}
