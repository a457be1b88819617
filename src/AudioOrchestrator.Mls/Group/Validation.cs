using AudioOrchestrator.Mls.Codec;
using AudioOrchestrator.Mls.Crypto;
using AudioOrchestrator.Mls.Messages;
using AudioOrchestrator.Mls.Tree;

namespace AudioOrchestrator.Mls.Group;

/// <summary>Leaf node, ratchet tree and proposal list validity rules (RFC 9420 §7.3, §12.2, §12.4.3.1).</summary>
public static class Validation
{
    /// <summary>Checks a leaf node against the group (RFC 9420 §7.3), except signature and lifetime.</summary>
    public static void CheckLeaf(LeafNode leaf, RatchetTree tree, IReadOnlyList<Extension> groupExtensions, uint? replacing)
    {
        ArgumentNullException.ThrowIfNull(leaf);
        ArgumentNullException.ThrowIfNull(tree);
        ArgumentNullException.ThrowIfNull(groupExtensions);
        foreach (var ext in leaf.Extensions)
        {
            if (!IsDefaultExtension(ext.Type) && !leaf.Capabilities.Extensions.Contains(ext.Type))
            {
                throw new MlsProtocolException($"Leaf extension {ext.Type} is not listed in its capabilities.");
            }
        }

        if (groupExtensions.FirstOrDefault(e => e.Type == ExtensionType.RequiredCapabilities) is { } required)
        {
            var (extensions, proposals, credentials) = DecodeRequiredCapabilities(required.Data);
            if (extensions.Any(e => !IsDefaultExtension(e) && !leaf.Capabilities.Extensions.Contains(e))
                || proposals.Any(p => p > 7 && !leaf.Capabilities.Proposals.Contains(p))
                || credentials.Any(c => !leaf.Capabilities.Credentials.Contains(c)))
            {
                throw new MlsProtocolException("Leaf lacks the group's required capabilities.");
            }
        }

        foreach (var i in tree.OccupiedLeaves())
        {
            if (i == replacing)
            {
                continue;
            }

            var other = tree.GetLeaf(i)!;
            if (other.SignatureKey.AsSpan().SequenceEqual(leaf.SignatureKey) || other.EncryptionKey.AsSpan().SequenceEqual(leaf.EncryptionKey))
            {
                throw new MlsProtocolException("Leaf signature or encryption key is already in use.");
            }

            if (!other.Capabilities.Credentials.Contains((ushort)leaf.Credential.Type)
                || !leaf.Capabilities.Credentials.Contains((ushort)other.Credential.Type))
            {
                throw new MlsProtocolException("Credential types are not mutually supported.");
            }
        }
    }

    /// <summary>Structural checks of a tree received when joining (RFC 9420 §12.4.3.1).</summary>
    public static void CheckTreeStructure(RatchetTree tree)
    {
        ArgumentNullException.ThrowIfNull(tree);
        var keys = new HashSet<string>();
        for (uint n = 0; n < tree.NodeCount; n++)
        {
            if (tree[n] is not { } node)
            {
                continue;
            }

            if (!keys.Add(Convert.ToHexString(node.EncryptionKey)))
            {
                throw new MlsProtocolException("An encryption key appears twice in the ratchet tree.");
            }

            if (node.Parent is not { } parent)
            {
                continue;
            }

            foreach (var leaf in parent.UnmergedLeaves)
            {
                var leafNode = TreeMath.LeafToNode(leaf);
                if (leaf >= tree.LeafCount || tree.GetLeaf(leaf) is null || !TreeMath.IsInSubtree(n, leafNode) || leafNode == n)
                {
                    throw new MlsProtocolException("Unmerged leaf is blank or not below its parent.");
                }

                foreach (var between in TreeMath.DirectPath(leafNode, tree.LeafCount).TakeWhile(x => x != n))
                {
                    if (tree.GetParent(between) is { } mid && !mid.UnmergedLeaves.Contains(leaf))
                    {
                        throw new MlsProtocolException("Unmerged leaf missing from an intermediate node.");
                    }
                }
            }
        }
    }

    /// <summary>Proposal list rules for a commit (RFC 9420 §12.2).</summary>
    public static void CheckProposalList(IReadOnlyList<(Proposal Proposal, Sender Sender)> proposals, Sender committer, RatchetTree tree)
    {
        ArgumentNullException.ThrowIfNull(proposals);
        ArgumentNullException.ThrowIfNull(committer);
        ArgumentNullException.ThrowIfNull(tree);
        var list = proposals.Select(p => p.Proposal).ToList();
        if (committer.Type == SenderType.NewMemberCommit)
        {
            if (list.OfType<ExternalInitProposal>().Count() != 1 || list.OfType<RemoveProposal>().Count() > 1
                || list.Any(p => p is not (ExternalInitProposal or RemoveProposal or PreSharedKeyProposal)))
            {
                throw new MlsProtocolException("Invalid proposal list for an external commit.");
            }

            return;
        }

        var touched = new HashSet<uint>();
        foreach (var (proposal, sender) in proposals)
        {
            switch (proposal)
            {
                case UpdateProposal when sender.Type == SenderType.Member && sender.Index == committer.Index:
                    throw new MlsProtocolException("A commit must not include the committer's own Update.");
                case UpdateProposal when !touched.Add(sender.Index):
                    throw new MlsProtocolException("Several Update/Remove proposals for one leaf.");
                case RemoveProposal remove when remove.Removed == committer.Index:
                    throw new MlsProtocolException("A commit must not remove the committer.");
                case RemoveProposal remove when !touched.Add(remove.Removed):
                    throw new MlsProtocolException("Several Update/Remove proposals for one leaf.");
                case ExternalInitProposal:
                    throw new MlsProtocolException("ExternalInit in a regular commit.");
                default:
                    break;
            }
        }

        var removedKeys = list.OfType<RemoveProposal>().Select(r => tree.GetLeaf(r.Removed)?.SignatureKey).OfType<byte[]>().Select(Convert.ToHexString).ToHashSet();
        var existing = tree.OccupiedLeaves().Select(i => Convert.ToHexString(tree.GetLeaf(i)!.SignatureKey)).Where(k => !removedKeys.Contains(k)).ToHashSet();
        foreach (var add in list.OfType<AddProposal>())
        {
            if (!existing.Add(Convert.ToHexString(add.KeyPackage.LeafNode.SignatureKey)))
            {
                throw new MlsProtocolException("Add of a client that is already (or twice) in the group.");
            }
        }

        var pskIds = list.OfType<PreSharedKeyProposal>().Select(p => Convert.ToHexString(p.Psk.Serialize())).ToList();
        if (pskIds.Count != pskIds.Distinct().Count())
        {
            throw new MlsProtocolException("Duplicate PreSharedKey proposals.");
        }

        if (list.OfType<GroupContextExtensionsProposal>().Count() > 1)
        {
            throw new MlsProtocolException("Several GroupContextExtensions proposals.");
        }

        if (list.OfType<ReInitProposal>().Any() && list.Count > 1)
        {
            throw new MlsProtocolException("ReInit must be the only proposal.");
        }
    }

    /// <summary>Key package checks before an Add (RFC 9420 §10.1).</summary>
    public static void CheckKeyPackage(CipherSuite suite, KeyPackage keyPackage)
    {
        ArgumentNullException.ThrowIfNull(suite);
        ArgumentNullException.ThrowIfNull(keyPackage);
        if (keyPackage.CipherSuite != suite.Id)
        {
            throw new MlsProtocolException("Key package of another cipher suite.");
        }

        if (keyPackage.LeafNode.Source != LeafNodeSource.KeyPackage)
        {
            throw new MlsProtocolException("Key package leaf must have source key_package.");
        }

        if (!keyPackage.VerifySignature(suite) || !keyPackage.LeafNode.VerifySignature(suite, null, 0))
        {
            throw new MlsProtocolException("Invalid key package or leaf signature.");
        }

        if (keyPackage.InitKey.AsSpan().SequenceEqual(keyPackage.LeafNode.EncryptionKey))
        {
            throw new MlsProtocolException("Key package init key equals its encryption key.");
        }
    }

    private static bool IsDefaultExtension(ushort type) => type is >= 1 and <= 5;

    private static (IReadOnlyList<ushort> Extensions, IReadOnlyList<ushort> Proposals, IReadOnlyList<ushort> Credentials) DecodeRequiredCapabilities(byte[] data)
    {
        try
        {
            return TlsCodec.Deserialize(data, r => (r.ReadVector(x => x.ReadUInt16()), r.ReadVector(x => x.ReadUInt16()), r.ReadVector(x => x.ReadUInt16())));
        }
        catch (MlsDecodeException ex)
        {
            throw new MlsProtocolException("Malformed required_capabilities extension.", ex);
        }
    }
}
