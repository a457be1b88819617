using AudioOrchestrator.Mls.Codec;
using AudioOrchestrator.Mls.Messages;

namespace AudioOrchestrator.Mls.Group;

/// <summary><c>ExternalSender</c> (RFC 9420 §12.1.8.1), listed in the external_senders extension.</summary>
public sealed record ExternalSender(byte[] SignatureKey, Credential Credential) : ITlsEncodable, ITlsDecodable<ExternalSender>
{
    public static ExternalSender Decode(TlsReader reader)
    {
        ArgumentNullException.ThrowIfNull(reader);
        return new ExternalSender(reader.ReadOpaque(), Credential.Decode(reader));
    }

    public void Encode(TlsWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.WriteOpaque(SignatureKey);
        Credential.Encode(writer);
    }

    /// <summary>Decodes the body of an external_senders extension.</summary>
    public static IReadOnlyList<ExternalSender> DecodeList(byte[] extensionData) =>
        TlsCodec.Deserialize(extensionData, r => r.ReadVector(Decode));

    /// <summary>Encodes the body of an external_senders extension.</summary>
    public static Extension ToExtension(IReadOnlyList<ExternalSender> senders) =>
        new(ExtensionType.ExternalSenders, TlsCodec.Serialize(w => w.WriteVector(senders, (x, s) => s.Encode(x))));
}
