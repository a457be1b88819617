using AudioOrchestrator.Mls.Codec;
using AudioOrchestrator.Mls.Crypto;
using AudioOrchestrator.Mls.Messages;

namespace AudioOrchestrator.Mls.Tree;

/// <summary>
/// The public ratchet tree (RFC 9420 §7): an array of optional nodes whose leaf count is a power of
/// two. Provides resolutions, tree hashes, parent hashes and the Add/Update/Remove edits.
/// </summary>
public sealed class RatchetTree
{
    private readonly List<Node?> _nodes;
    private readonly Dictionary<uint, byte[]> _hashCache = [];
    private ushort _hashCacheSuite;

    private RatchetTree(List<Node?> nodes)
    {
        _nodes = nodes;
    }

    /// <summary>Number of leaves (a power of two).</summary>
    public uint LeafCount => (uint)(_nodes.Count + 1) / 2;

    /// <summary>Number of nodes.</summary>
    public uint NodeCount => (uint)_nodes.Count;

    /// <summary>A tree with a single leaf.</summary>
    public static RatchetTree WithSingleLeaf(LeafNode leaf) => new([new Node(leaf, null)]);

    /// <summary>Decodes <c>optional&lt;Node&gt; ratchet_tree&lt;V&gt;</c> and extends it to a full tree.</summary>
    public static RatchetTree Decode(TlsReader reader)
    {
        ArgumentNullException.ThrowIfNull(reader);
        var nodes = reader.ReadVector(r => r.ReadOptional(Node.Decode)).ToList();
        if (nodes.Count == 0 || nodes[^1] is null)
        {
            throw new MlsDecodeException("Ratchet tree is empty or ends with a blank node.");
        }

        for (var i = 0; i < nodes.Count; i++)
        {
            if (nodes[i] is { } n && ((i % 2 == 0) != (n.Leaf is not null)))
            {
                throw new MlsDecodeException($"Node {i} has the wrong node type for its position.");
            }
        }

        uint leaves = 1;
        while (TreeMath.NodeWidth(leaves) < nodes.Count)
        {
            leaves *= 2;
        }

        while (nodes.Count < TreeMath.NodeWidth(leaves))
        {
            nodes.Add(null);
        }

        return new RatchetTree(nodes);
    }

    /// <summary>Decodes a complete serialized tree.</summary>
    public static RatchetTree FromBytes(ReadOnlyMemory<byte> bytes) => TlsCodec.Deserialize(bytes, Decode);

    /// <summary>Writes the tree with trailing blank nodes omitted.</summary>
    public void Encode(TlsWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        var last = _nodes.FindLastIndex(n => n is not null);
        writer.WriteVector(_nodes.Take(last + 1), (w, n) => w.WriteOptional(n, (x, v) => v.Encode(x)));
    }

    public byte[] Serialize() => TlsCodec.Serialize(Encode);

    public RatchetTree Clone() => new([.. _nodes]);

    public Node? this[uint node] => _nodes[(int)node];

    /// <summary>The leaf at <paramref name="leaf"/>, or null if blank or outside the tree.</summary>
    public LeafNode? GetLeaf(uint leaf) => leaf < LeafCount ? _nodes[(int)TreeMath.LeafToNode(leaf)]?.Leaf : null;

    /// <summary>The parent node at node index <paramref name="node"/>, or null if blank.</summary>
    public ParentNode? GetParent(uint node) => _nodes[(int)node]?.Parent;

    /// <summary>Indices of non-blank leaves.</summary>
    public IEnumerable<uint> OccupiedLeaves()
    {
        for (uint i = 0; i < LeafCount; i++)
        {
            if (GetLeaf(i) is not null)
            {
                yield return i;
            }
        }
    }

    internal void SetNode(uint node, Node? value)
    {
        _nodes[(int)node] = value;
        _hashCache.Clear();
    }

    /// <summary>Sets (or blanks) a leaf.</summary>
    public void SetLeaf(uint leaf, LeafNode? value) => SetNode(TreeMath.LeafToNode(leaf), value is null ? null : new Node(value, null));

    /// <summary>Resolution of a node (RFC 9420 §4.1.1), as node indices.</summary>
    public IReadOnlyList<uint> Resolution(uint node)
    {
        var result = new List<uint>();
        AddResolution(node, result);
        return result;
    }

    /// <summary>The filtered direct path of a leaf (RFC 9420 §4.1.2).</summary>
    public IReadOnlyList<uint> FilteredDirectPath(uint leaf)
    {
        var node = TreeMath.LeafToNode(leaf);
        var result = new List<uint>();
        var copath = TreeMath.Copath(node, LeafCount);
        var path = TreeMath.DirectPath(node, LeafCount);
        for (var i = 0; i < path.Count; i++)
        {
            if (Resolution(copath[i]).Count > 0)
            {
                result.Add(path[i]);
            }
        }

        return result;
    }

    /// <summary>Tree hash of the root.</summary>
    public byte[] TreeHash(CipherSuite suite) => TreeHash(suite, TreeMath.Root(LeafCount));

    /// <summary>Tree hash of a subtree (RFC 9420 §7.8).</summary>
    public byte[] TreeHash(CipherSuite suite, uint node) => TreeHash(suite, node, null);

    /// <summary>Tree hashes of all nodes, indexed by node.</summary>
    public IReadOnlyList<byte[]> AllTreeHashes(CipherSuite suite)
    {
        var hashes = new byte[_nodes.Count][];
        Fill(TreeMath.Root(LeafCount));
        return hashes;

        byte[] Fill(uint node)
        {
            if (TreeMath.IsLeaf(node))
            {
                return hashes[node] = LeafHash(suite, node, null);
            }

            var left = Fill(TreeMath.Left(node)!.Value);
            var right = Fill(TreeMath.Right(node)!.Value);
            return hashes[node] = ParentTreeHash(suite, node, null, left, right);
        }
    }

    /// <summary>Parent hash of <paramref name="parent"/> with copath child <paramref name="sibling"/> (RFC 9420 §7.9).</summary>
    public byte[] ParentHash(CipherSuite suite, uint parent, uint sibling)
    {
        ArgumentNullException.ThrowIfNull(suite);
        var p = GetParent(parent) ?? throw new MlsProtocolException($"Node {parent} is not a non-blank parent.");
        var excluded = p.UnmergedLeaves.ToHashSet();
        var w = new TlsWriter();
        w.WriteOpaque(p.EncryptionKey);
        w.WriteOpaque(p.ParentHash);
        w.WriteOpaque(TreeHash(suite, sibling, excluded));
        return suite.Hash(w.ToArray());
    }

    /// <summary>Checks that every non-blank parent is parent-hash valid (RFC 9420 §7.9.2, top-down).</summary>
    public bool VerifyParentHashes(CipherSuite suite)
    {
        for (uint p = 1; p < NodeCount; p += 2)
        {
            if (GetParent(p) is not { } parent)
            {
                continue;
            }

            var matches = 0;
            foreach (var (child, sibling) in new[] { (TreeMath.Left(p)!.Value, TreeMath.Right(p)!.Value), (TreeMath.Right(p)!.Value, TreeMath.Left(p)!.Value) })
            {
                var expected = ParentHash(suite, p, sibling);
                var resolution = Resolution(child);
                var unmergedInChild = parent.UnmergedLeaves.Select(TreeMath.LeafToNode).Where(n => TreeMath.IsInSubtree(child, n)).ToHashSet();
                foreach (var d in resolution)
                {
                    var dHash = _nodes[(int)d]!.Leaf is { } leaf ? leaf.ParentHash : _nodes[(int)d]!.Parent!.ParentHash;
                    if (dHash is null || !dHash.AsSpan().SequenceEqual(expected))
                    {
                        continue;
                    }

                    if (unmergedInChild.SetEquals(resolution.Where(x => x != d)))
                    {
                        matches++;
                    }
                }
            }

            if (matches != 1)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Checks every leaf signature, using <paramref name="groupId"/> for update and commit leaves.</summary>
    public bool VerifyLeafSignatures(CipherSuite suite, byte[] groupId) =>
        OccupiedLeaves().All(i => GetLeaf(i)!.VerifySignature(suite, groupId, i));

    /// <summary>Adds a leaf at the leftmost blank position (extending if needed); returns its index.</summary>
    public uint AddLeaf(LeafNode leaf)
    {
        ArgumentNullException.ThrowIfNull(leaf);
        uint index = 0;
        while (index < LeafCount && GetLeaf(index) is not null)
        {
            index++;
        }

        if (index == LeafCount)
        {
            var newCount = TreeMath.NodeWidth(LeafCount * 2);
            while (_nodes.Count < newCount)
            {
                _nodes.Add(null);
            }

            _hashCache.Clear();
        }

        SetLeaf(index, leaf);
        foreach (var p in TreeMath.DirectPath(TreeMath.LeafToNode(index), LeafCount))
        {
            if (GetParent(p) is { } parent)
            {
                var unmerged = parent.UnmergedLeaves.Append(index).Order().ToList();
                SetNode(p, new Node(null, parent with { UnmergedLeaves = unmerged }));
            }
        }

        return index;
    }

    /// <summary>Replaces a leaf and blanks its direct path (Update proposal).</summary>
    public void UpdateLeaf(uint leaf, LeafNode value)
    {
        ArgumentNullException.ThrowIfNull(value);
        RequireLeaf(leaf);
        SetLeaf(leaf, value);
        BlankDirectPath(leaf);
    }

    /// <summary>Blanks a leaf and its direct path, then truncates the tree (Remove proposal).</summary>
    public void RemoveLeaf(uint leaf)
    {
        RequireLeaf(leaf);
        SetLeaf(leaf, null);
        BlankDirectPath(leaf);
        while (LeafCount > 1 && _nodes.Skip((int)TreeMath.Root(LeafCount) + 1).All(n => n is null))
        {
            _nodes.RemoveRange((int)TreeMath.Root(LeafCount), _nodes.Count - (int)TreeMath.Root(LeafCount));
            _hashCache.Clear();
        }
    }

    /// <summary>Blanks every node on a leaf's direct path.</summary>
    public void BlankDirectPath(uint leaf)
    {
        foreach (var p in TreeMath.DirectPath(TreeMath.LeafToNode(leaf), LeafCount))
        {
            SetNode(p, null);
        }
    }

    /// <summary>Index of the first leaf satisfying <paramref name="predicate"/>.</summary>
    public uint? FindLeaf(Func<LeafNode, bool> predicate)
    {
        ArgumentNullException.ThrowIfNull(predicate);
        foreach (var i in OccupiedLeaves())
        {
            if (predicate(GetLeaf(i)!))
            {
                return i;
            }
        }

        return null;
    }

    private void RequireLeaf(uint leaf)
    {
        if (GetLeaf(leaf) is null)
        {
            throw new MlsProtocolException($"Leaf {leaf} is blank or outside the tree.");
        }
    }

    private void AddResolution(uint node, List<uint> result)
    {
        switch (_nodes[(int)node])
        {
            case { Leaf: not null }:
                result.Add(node);
                break;
            case { Parent: { } parent }:
                result.Add(node);
                foreach (var leaf in parent.UnmergedLeaves)
                {
                    if (leaf >= LeafCount)
                    {
                        throw new MlsProtocolException($"Unmerged leaf {leaf} lies outside the tree.");
                    }

                    result.Add(TreeMath.LeafToNode(leaf));
                }

                break;
            default:
                if (!TreeMath.IsLeaf(node))
                {
                    AddResolution(TreeMath.Left(node)!.Value, result);
                    AddResolution(TreeMath.Right(node)!.Value, result);
                }

                break;
        }
    }

    private byte[] TreeHash(CipherSuite suite, uint node, IReadOnlySet<uint>? excluded)
    {
        ArgumentNullException.ThrowIfNull(suite);
        if (excluded is { Count: 0 })
        {
            excluded = null;
        }

        if (excluded is null)
        {
            if (_hashCacheSuite != suite.Id)
            {
                _hashCache.Clear();
                _hashCacheSuite = suite.Id;
            }

            if (_hashCache.TryGetValue(node, out var cached))
            {
                return cached;
            }
        }

        byte[] hash;
        if (TreeMath.IsLeaf(node))
        {
            hash = LeafHash(suite, node, excluded);
        }
        else
        {
            var left = TreeHash(suite, TreeMath.Left(node)!.Value, excluded);
            var right = TreeHash(suite, TreeMath.Right(node)!.Value, excluded);
            hash = ParentTreeHash(suite, node, excluded, left, right);
        }

        if (excluded is null)
        {
            _hashCache[node] = hash;
        }

        return hash;
    }

    private byte[] LeafHash(CipherSuite suite, uint node, IReadOnlySet<uint>? excluded)
    {
        var leafIndex = TreeMath.NodeToLeaf(node);
        var leaf = excluded?.Contains(leafIndex) == true ? null : _nodes[(int)node]?.Leaf;
        var w = new TlsWriter();
        w.WriteUInt8(1);
        w.WriteUInt32(leafIndex);
        w.WriteOptional(leaf, (x, v) => v.Encode(x));
        return suite.Hash(w.ToArray());
    }

    private byte[] ParentTreeHash(CipherSuite suite, uint node, IReadOnlySet<uint>? excluded, byte[] left, byte[] right)
    {
        var parent = _nodes[(int)node]?.Parent;
        if (parent is not null && excluded is not null)
        {
            parent = parent with { UnmergedLeaves = parent.UnmergedLeaves.Where(l => !excluded.Contains(l)).ToList() };
        }

        var w = new TlsWriter();
        w.WriteUInt8(2);
        w.WriteOptional(parent, (x, v) => v.Encode(x));
        w.WriteOpaque(left);
        w.WriteOpaque(right);
        return suite.Hash(w.ToArray());
    }
}
