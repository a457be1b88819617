using AudioOrchestrator.Mls.Codec;

namespace AudioOrchestrator.Mls.Messages;

/// <summary><c>MLSMessage</c> (RFC 9420 §6): exactly the body matching <see cref="WireFormat"/> is set.</summary>
public sealed record MlsMessage(
    WireFormat WireFormat,
    PublicMessage? PublicMessage = null,
    PrivateMessage? PrivateMessage = null,
    Welcome? Welcome = null,
    GroupInfo? GroupInfo = null,
    KeyPackage? KeyPackage = null) : ITlsEncodable, ITlsDecodable<MlsMessage>
{
    public static MlsMessage Decode(TlsReader reader)
    {
        ArgumentNullException.ThrowIfNull(reader);
        var version = reader.ReadUInt16();
        if (version != GroupContext.Mls10)
        {
            throw new MlsDecodeException($"Unsupported protocol version {version}.");
        }

        var wf = EnumCodec.Check<WireFormat>(reader.ReadUInt16(), 1, 5, "wire format");
        return wf switch
        {
            WireFormat.PublicMessage => new MlsMessage(wf, PublicMessage: Messages.PublicMessage.Decode(reader)),
            WireFormat.PrivateMessage => new MlsMessage(wf, PrivateMessage: Messages.PrivateMessage.Decode(reader)),
            WireFormat.Welcome => new MlsMessage(wf, Welcome: Messages.Welcome.Decode(reader)),
            WireFormat.GroupInfo => new MlsMessage(wf, GroupInfo: Messages.GroupInfo.Decode(reader)),
            _ => new MlsMessage(wf, KeyPackage: Messages.KeyPackage.Decode(reader)),
        };
    }

    public void Encode(TlsWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.WriteUInt16(GroupContext.Mls10);
        writer.WriteUInt16((ushort)WireFormat);
        ITlsEncodable body = WireFormat switch
        {
            WireFormat.PublicMessage => PublicMessage!,
            WireFormat.PrivateMessage => PrivateMessage!,
            WireFormat.Welcome => Welcome!,
            WireFormat.GroupInfo => GroupInfo!,
            _ => KeyPackage!,
        };
        (body ?? throw new InvalidOperationException("MLSMessage body missing.")).Encode(writer);
    }
}
