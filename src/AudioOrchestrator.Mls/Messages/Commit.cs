using AudioOrchestrator.Mls.Codec;
using AudioOrchestrator.Mls.Crypto;

namespace AudioOrchestrator.Mls.Messages;

/// <summary><c>UpdatePathNode</c> (RFC 9420 §7.6).</summary>
public sealed record UpdatePathNode(byte[] EncryptionKey, IReadOnlyList<HpkeCiphertext> EncryptedPathSecret) : ITlsEncodable, ITlsDecodable<UpdatePathNode>
{
    public static UpdatePathNode Decode(TlsReader reader)
    {
        ArgumentNullException.ThrowIfNull(reader);
        return new UpdatePathNode(reader.ReadOpaque(), reader.ReadVector(HpkeCiphertext.Decode));
    }

    public void Encode(TlsWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.WriteOpaque(EncryptionKey);
        writer.WriteVector(EncryptedPathSecret, (w, c) => c.Encode(w));
    }
}

/// <summary><c>UpdatePath</c> (RFC 9420 §7.6).</summary>
public sealed record UpdatePath(LeafNode LeafNode, IReadOnlyList<UpdatePathNode> Nodes) : ITlsEncodable, ITlsDecodable<UpdatePath>
{
    public static UpdatePath Decode(TlsReader reader)
    {
        ArgumentNullException.ThrowIfNull(reader);
        return new UpdatePath(LeafNode.Decode(reader), reader.ReadVector(UpdatePathNode.Decode));
    }

    public void Encode(TlsWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        LeafNode.Encode(writer);
        writer.WriteVector(Nodes, (w, n) => n.Encode(w));
    }
}

/// <summary><c>Commit</c> (RFC 9420 §12.4).</summary>
public sealed record Commit(IReadOnlyList<ProposalOrRef> Proposals, UpdatePath? Path) : ITlsEncodable, ITlsDecodable<Commit>
{
    public static Commit Decode(TlsReader reader)
    {
        ArgumentNullException.ThrowIfNull(reader);
        return new Commit(reader.ReadVector(ProposalOrRef.Decode), reader.ReadOptional(UpdatePath.Decode));
    }

    public void Encode(TlsWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.WriteVector(Proposals, (w, p) => p.Encode(w));
        writer.WriteOptional(Path, (w, p) => p.Encode(w));
    }
}
