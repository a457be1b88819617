using System.Security.Cryptography;
using AudioOrchestrator.Mls.Crypto;
using AudioOrchestrator.Mls.Messages;

namespace AudioOrchestrator.Mls.Tree;

/// <summary>
/// The private half of a member's view of the ratchet tree: HPKE private keys of its leaf and of
/// the parent nodes on its direct path whose path secrets it knows.
/// </summary>
public sealed class TreePrivateKeys
{
    private readonly Dictionary<uint, byte[]> _keys;

    public TreePrivateKeys(uint leafIndex, byte[] leafPrivateKey)
        : this(leafIndex, new Dictionary<uint, byte[]> { [TreeMath.LeafToNode(leafIndex)] = leafPrivateKey })
    {
    }

    private TreePrivateKeys(uint leafIndex, Dictionary<uint, byte[]> keys)
    {
        LeafIndex = leafIndex;
        _keys = keys;
    }

    public uint LeafIndex { get; }

    /// <summary>Node indices with a known private key.</summary>
    public IReadOnlyCollection<uint> Nodes => _keys.Keys;

    public byte[]? PrivateKey(uint node) => _keys.GetValueOrDefault(node);

    /// <summary>Derives and stores the node key pair from a path secret; returns the public key.</summary>
    public byte[] SetPathSecret(CipherSuite suite, uint node, ReadOnlySpan<byte> pathSecret)
    {
        ArgumentNullException.ThrowIfNull(suite);
        var (priv, pub) = suite.Kem.DeriveKeyPair(suite.DeriveSecret(pathSecret, "node"));
        _keys[node] = priv;
        return pub;
    }

    public void SetPrivateKey(uint node, byte[] privateKey) => _keys[node] = privateKey;

    public void Remove(uint node) => _keys.Remove(node);

    /// <summary>Drops keys of nodes that are now blank or outside the tree.</summary>
    public void Prune(RatchetTree tree)
    {
        ArgumentNullException.ThrowIfNull(tree);
        foreach (var node in _keys.Keys.ToList())
        {
            if (node >= tree.NodeCount || tree[node] is null)
            {
                _keys.Remove(node);
            }
        }
    }

    /// <summary>True when every held private key matches the public key in <paramref name="tree"/>.</summary>
    public bool IsConsistentWith(CipherSuite suite, RatchetTree tree)
    {
        ArgumentNullException.ThrowIfNull(suite);
        ArgumentNullException.ThrowIfNull(tree);
        return _keys.All(kv => kv.Key < tree.NodeCount && tree[kv.Key] is { } n
            && suite.Kem.PublicKeyOf(kv.Value).AsSpan().SequenceEqual(n.EncryptionKey));
    }

    public TreePrivateKeys Clone() => new(LeafIndex, new Dictionary<uint, byte[]>(_keys));
}

/// <summary>Result of creating an UpdatePath.</summary>
public sealed record CreatedUpdatePath(UpdatePath Path, byte[] CommitSecret, TreePrivateKeys PrivateKeys, IReadOnlyList<byte[]> PathSecrets);

/// <summary>Result of decrypting an UpdatePath.</summary>
public sealed record DecryptedUpdatePath(byte[] PathSecret, uint PathSecretNode, byte[] CommitSecret);

/// <summary>TreeKEM: creating, merging and decrypting UpdatePaths (RFC 9420 §7.4–7.6).</summary>
public static class TreeKem
{
    private const string Label = "UpdatePathNode";

    /// <summary>
    /// Merges <paramref name="path"/> from <paramref name="sender"/> into <paramref name="tree"/>:
    /// blanks the direct path, installs the new keys with parent hashes and verifies the leaf's
    /// parent hash and signature.
    /// </summary>
    public static void Merge(CipherSuite suite, RatchetTree tree, uint sender, UpdatePath path, byte[] groupId)
    {
        ArgumentNullException.ThrowIfNull(suite);
        ArgumentNullException.ThrowIfNull(tree);
        ArgumentNullException.ThrowIfNull(path);
        if (tree.GetLeaf(sender) is null)
        {
            throw new MlsProtocolException("UpdatePath sender is not a member.");
        }

        var fdp = tree.FilteredDirectPath(sender);
        if (fdp.Count != path.Nodes.Count)
        {
            throw new MlsProtocolException("UpdatePath length does not match the filtered direct path.");
        }

        if (path.LeafNode.Source != LeafNodeSource.Commit)
        {
            throw new MlsProtocolException("UpdatePath leaf must have source commit.");
        }

        var leafParentHash = InstallPath(suite, tree, sender, fdp, path.Nodes.Select(n => n.EncryptionKey).ToList());
        if (!leafParentHash.AsSpan().SequenceEqual(path.LeafNode.ParentHash))
        {
            throw new MlsProtocolException("UpdatePath leaf parent hash mismatch.");
        }

        if (!path.LeafNode.VerifySignature(suite, groupId, sender))
        {
            throw new MlsProtocolException("UpdatePath leaf signature is invalid.");
        }

        tree.SetLeaf(sender, path.LeafNode);
    }

    /// <summary>
    /// Decrypts the path secret addressed to <paramref name="keys"/> from an UpdatePath that has
    /// already been merged into <paramref name="tree"/>, checks the derived public keys and updates
    /// <paramref name="keys"/>. <paramref name="groupContext"/> is the serialized provisional GroupContext.
    /// </summary>
    public static DecryptedUpdatePath Decrypt(
        CipherSuite suite,
        RatchetTree tree,
        uint sender,
        UpdatePath path,
        TreePrivateKeys keys,
        ReadOnlySpan<byte> groupContext,
        IReadOnlyCollection<uint>? excludedLeaves = null)
    {
        ArgumentNullException.ThrowIfNull(suite);
        ArgumentNullException.ThrowIfNull(tree);
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(keys);
        var senderNode = TreeMath.LeafToNode(sender);
        var myNode = TreeMath.LeafToNode(keys.LeafIndex);
        var fdp = tree.FilteredDirectPath(sender);
        if (fdp.Count != path.Nodes.Count)
        {
            throw new MlsProtocolException("UpdatePath length does not match the filtered direct path.");
        }

        for (var i = 0; i < fdp.Count; i++)
        {
            var copathChild = CopathChild(fdp[i], senderNode);
            if (!TreeMath.IsInSubtree(copathChild, myNode))
            {
                continue;
            }

            var resolution = FilteredResolution(tree, copathChild, excludedLeaves);
            if (resolution.Count != path.Nodes[i].EncryptedPathSecret.Count)
            {
                throw new MlsProtocolException("UpdatePath ciphertext count does not match the resolution.");
            }

            var position = resolution.FindIndex(n => keys.PrivateKey(n) is not null);
            if (position < 0)
            {
                throw new MlsProtocolException("No private key for the resolution of the copath node.");
            }

            var pathSecret = suite.DecryptWithLabel(keys.PrivateKey(resolution[position])!, Label, groupContext, path.Nodes[i].EncryptedPathSecret[position]);
            foreach (var node in TreeMath.DirectPath(senderNode, tree.LeafCount))
            {
                keys.Remove(node);
            }

            var secret = pathSecret;
            for (var j = i; j < fdp.Count; j++)
            {
                if (j > i)
                {
                    secret = suite.DeriveSecret(secret, "path");
                }

                var pub = keys.SetPathSecret(suite, fdp[j], secret);
                if (!pub.AsSpan().SequenceEqual(path.Nodes[j].EncryptionKey))
                {
                    throw new MlsProtocolException("Derived public key does not match the UpdatePath.");
                }
            }

            return new DecryptedUpdatePath(pathSecret, fdp[i], suite.DeriveSecret(secret, "path"));
        }

        throw new MlsProtocolException("Receiver is not below the sender's filtered direct path.");
    }

    /// <summary>
    /// Creates an UpdatePath for <paramref name="leaf"/> and applies it to <paramref name="tree"/>.
    /// <paramref name="leafTemplate"/> supplies credential, capabilities, extensions and signature
    /// key; <paramref name="contextFor"/> builds the serialized provisional GroupContext from the new tree hash.
    /// </summary>
    public static CreatedUpdatePath Create(
        CipherSuite suite,
        RatchetTree tree,
        uint leaf,
        LeafNode leafTemplate,
        ReadOnlySpan<byte> signaturePrivateKey,
        byte[] groupId,
        Func<byte[], byte[]> contextFor,
        IReadOnlyCollection<uint>? excludedLeaves = null)
    {
        ArgumentNullException.ThrowIfNull(suite);
        ArgumentNullException.ThrowIfNull(tree);
        ArgumentNullException.ThrowIfNull(leafTemplate);
        ArgumentNullException.ThrowIfNull(contextFor);
        var senderNode = TreeMath.LeafToNode(leaf);
        var fdp = tree.FilteredDirectPath(leaf);
        var (leafPriv, leafPub) = suite.Kem.GenerateKeyPair();
        var keys = new TreePrivateKeys(leaf, leafPriv);
        var secrets = new List<byte[]>();
        var publics = new List<byte[]>();
        var secret = RandomNumberGenerator.GetBytes(suite.HashLength);
        for (var i = 0; i < fdp.Count; i++)
        {
            if (i > 0)
            {
                secret = suite.DeriveSecret(secret, "path");
            }

            secrets.Add(secret);
            publics.Add(keys.SetPathSecret(suite, fdp[i], secret));
        }

        var commitSecret = fdp.Count > 0 ? suite.DeriveSecret(secret, "path") : new byte[suite.HashLength];
        var leafParentHash = InstallPath(suite, tree, leaf, fdp, publics);
        var newLeaf = (leafTemplate with
        {
            EncryptionKey = leafPub,
            Source = LeafNodeSource.Commit,
            Lifetime = null,
            ParentHash = leafParentHash,
        }).Sign(suite, signaturePrivateKey, groupId, leaf);
        tree.SetLeaf(leaf, newLeaf);

        var context = contextFor(tree.TreeHash(suite));
        var nodes = new List<UpdatePathNode>();
        for (var i = 0; i < fdp.Count; i++)
        {
            var resolution = FilteredResolution(tree, CopathChild(fdp[i], senderNode), excludedLeaves);
            var cts = resolution.Select(n => suite.EncryptWithLabel(tree[n]!.EncryptionKey, Label, context, secrets[i])).ToList();
            nodes.Add(new UpdatePathNode(publics[i], cts));
        }

        return new CreatedUpdatePath(new UpdatePath(newLeaf, nodes), commitSecret, keys, secrets);
    }

    /// <summary>Blanks the direct path, installs the new parent nodes and returns the leaf's parent hash.</summary>
    private static byte[] InstallPath(CipherSuite suite, RatchetTree tree, uint leaf, IReadOnlyList<uint> fdp, IReadOnlyList<byte[]> publicKeys)
    {
        var senderNode = TreeMath.LeafToNode(leaf);
        tree.BlankDirectPath(leaf);
        byte[] parentHash = [];
        for (var i = fdp.Count - 1; i >= 0; i--)
        {
            tree.SetNode(fdp[i], new Node(null, new ParentNode(publicKeys[i], parentHash, [])));
            parentHash = tree.ParentHash(suite, fdp[i], CopathChild(fdp[i], senderNode));
        }

        return parentHash;
    }

    private static uint CopathChild(uint parent, uint descendant)
    {
        var left = TreeMath.Left(parent)!.Value;
        return TreeMath.IsInSubtree(left, descendant) ? TreeMath.Right(parent)!.Value : left;
    }

    private static List<uint> FilteredResolution(RatchetTree tree, uint node, IReadOnlyCollection<uint>? excludedLeaves) =>
        tree.Resolution(node)
            .Where(n => excludedLeaves is null || !TreeMath.IsLeaf(n) || !excludedLeaves.Contains(TreeMath.NodeToLeaf(n)))
            .ToList();
}
