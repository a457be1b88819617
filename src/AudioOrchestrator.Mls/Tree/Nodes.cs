using AudioOrchestrator.Mls.Codec;
using AudioOrchestrator.Mls.Messages;

namespace AudioOrchestrator.Mls.Tree;

/// <summary><c>ParentNode</c> (RFC 9420 §7.1).</summary>
public sealed record ParentNode(byte[] EncryptionKey, byte[] ParentHash, IReadOnlyList<uint> UnmergedLeaves) : ITlsEncodable, ITlsDecodable<ParentNode>
{
    public static ParentNode Decode(TlsReader reader)
    {
        ArgumentNullException.ThrowIfNull(reader);
        return new ParentNode(reader.ReadOpaque(), reader.ReadOpaque(), reader.ReadVector(r => r.ReadUInt32()));
    }

    public void Encode(TlsWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.WriteOpaque(EncryptionKey);
        writer.WriteOpaque(ParentHash);
        writer.WriteVector(UnmergedLeaves, (w, l) => w.WriteUInt32(l));
    }
}

/// <summary><c>Node</c> (RFC 9420 §7.8): a leaf or a parent.</summary>
public sealed record Node(LeafNode? Leaf, ParentNode? Parent) : ITlsEncodable, ITlsDecodable<Node>
{
    public static Node Decode(TlsReader reader)
    {
        ArgumentNullException.ThrowIfNull(reader);
        var type = reader.ReadUInt8();
        return type switch
        {
            1 => new Node(LeafNode.Decode(reader), null),
            2 => new Node(null, ParentNode.Decode(reader)),
            _ => throw new MlsDecodeException($"Invalid node type {type}."),
        };
    }

    public void Encode(TlsWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        if (Leaf is not null)
        {
            writer.WriteUInt8(1);
            Leaf.Encode(writer);
        }
        else
        {
            writer.WriteUInt8(2);
            (Parent ?? throw new InvalidOperationException("Empty node.")).Encode(writer);
        }
    }

    /// <summary>The node's HPKE public key.</summary>
    public byte[] EncryptionKey => Leaf?.EncryptionKey ?? Parent!.EncryptionKey;
}
