using AudioOrchestrator.Mls.Codec;

namespace AudioOrchestrator.Mls.Messages;

/// <summary><c>Credential</c> (RFC 9420 §5.3): basic (identity) or X.509 (certificate chain).</summary>
public sealed record Credential(CredentialType Type, byte[] Identity, IReadOnlyList<byte[]> Certificates) : ITlsEncodable, ITlsDecodable<Credential>
{
    /// <summary>A basic credential.</summary>
    public static Credential Basic(byte[] identity) => new(CredentialType.Basic, identity, []);

    public static Credential Decode(TlsReader reader)
    {
        ArgumentNullException.ThrowIfNull(reader);
        var type = EnumCodec.Check<CredentialType>(reader.ReadUInt16(), 1, 2, "credential type");
        return type == CredentialType.Basic
            ? new Credential(type, reader.ReadOpaque(), [])
            : new Credential(type, [], reader.ReadVector(r => r.ReadOpaque()));
    }

    public void Encode(TlsWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.WriteUInt16((ushort)Type);
        if (Type == CredentialType.Basic)
        {
            writer.WriteOpaque(Identity);
        }
        else
        {
            writer.WriteVector(Certificates, (w, c) => w.WriteOpaque(c));
        }
    }
}
