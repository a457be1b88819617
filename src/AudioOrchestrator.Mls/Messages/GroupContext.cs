using AudioOrchestrator.Mls.Codec;

namespace AudioOrchestrator.Mls.Messages;

/// <summary><c>GroupContext</c> (RFC 9420 §8.1).</summary>
public sealed record GroupContext(
    ushort CipherSuite,
    byte[] GroupId,
    ulong Epoch,
    byte[] TreeHash,
    byte[] ConfirmedTranscriptHash,
    IReadOnlyList<Extension> Extensions) : ITlsEncodable, ITlsDecodable<GroupContext>
{
    /// <summary>Protocol version mls10.</summary>
    public const ushort Mls10 = 1;

    public static GroupContext Decode(TlsReader reader)
    {
        ArgumentNullException.ThrowIfNull(reader);
        var version = reader.ReadUInt16();
        if (version != Mls10)
        {
            throw new MlsDecodeException($"Unsupported protocol version {version}.");
        }

        return new GroupContext(reader.ReadUInt16(), reader.ReadOpaque(), reader.ReadUInt64(), reader.ReadOpaque(), reader.ReadOpaque(), Extension.DecodeList(reader));
    }

    public void Encode(TlsWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.WriteUInt16(Mls10);
        writer.WriteUInt16(CipherSuite);
        writer.WriteOpaque(GroupId);
        writer.WriteUInt64(Epoch);
        writer.WriteOpaque(TreeHash);
        writer.WriteOpaque(ConfirmedTranscriptHash);
        Extension.EncodeList(writer, Extensions);
    }
}
