using AudioOrchestrator.Mls.Crypto;
using AudioOrchestrator.Mls.Messages;
using AudioOrchestrator.Mls.Schedule;
using AudioOrchestrator.Mls.Tree;

namespace AudioOrchestrator.Mls.Group;

/// <summary>Outcome of applying a commit's proposal list to a copy of the tree (RFC 9420 §12.3).</summary>
public sealed record CommitPlan(
    RatchetTree Tree,
    IReadOnlyList<Extension> Extensions,
    IReadOnlyList<uint> AddedLeaves,
    IReadOnlyList<uint> RemovedLeaves,
    IReadOnlyList<PreSharedKeyId> Psks,
    byte[]? ExternalInit,
    bool PathRequired);

/// <summary>Applies a proposal list in the order RFC 9420 §12.3 prescribes.</summary>
public static class CommitApplication
{
    public static CommitPlan Apply(CipherSuite suite, RatchetTree tree, GroupContext context, IReadOnlyList<(Proposal Proposal, Sender Sender)> proposals, Sender committer)
    {
        ArgumentNullException.ThrowIfNull(suite);
        ArgumentNullException.ThrowIfNull(tree);
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(proposals);
        Validation.CheckProposalList(proposals, committer, tree);
        var extensions = context.Extensions;
        var newTree = tree.Clone();
        var newExtensions = extensions;
        foreach (var gce in proposals.Select(p => p.Proposal).OfType<GroupContextExtensionsProposal>())
        {
            newExtensions = gce.Extensions;
        }

        foreach (var (proposal, sender) in proposals)
        {
            if (proposal is UpdateProposal update)
            {
                if (sender.Type != SenderType.Member)
                {
                    throw new MlsProtocolException("Update proposal from a non-member.");
                }

                var old = newTree.GetLeaf(sender.Index) ?? throw new MlsProtocolException("Update from a blank leaf.");
                if (update.LeafNode.Source != LeafNodeSource.Update || update.LeafNode.EncryptionKey.AsSpan().SequenceEqual(old.EncryptionKey)
                    || !update.LeafNode.VerifySignature(suite, context.GroupId, sender.Index))
                {
                    throw new MlsProtocolException("Invalid Update leaf node.");
                }

                Validation.CheckLeaf(update.LeafNode, newTree, newExtensions, sender.Index);
                newTree.UpdateLeaf(sender.Index, update.LeafNode);
            }
        }

        var removed = new List<uint>();
        foreach (var remove in proposals.Select(p => p.Proposal).OfType<RemoveProposal>())
        {
            newTree.RemoveLeaf(remove.Removed);
            removed.Add(remove.Removed);
        }

        var added = new List<uint>();
        foreach (var add in proposals.Select(p => p.Proposal).OfType<AddProposal>())
        {
            Validation.CheckKeyPackage(suite, add.KeyPackage);
            Validation.CheckLeaf(add.KeyPackage.LeafNode, newTree, newExtensions, null);
            added.Add(newTree.AddLeaf(add.KeyPackage.LeafNode));
        }

        var psks = proposals.Select(p => p.Proposal).OfType<PreSharedKeyProposal>().Select(p => p.Psk).ToList();
        var externalInit = proposals.Select(p => p.Proposal).OfType<ExternalInitProposal>().FirstOrDefault()?.KemOutput;
        var pathRequired = proposals.Count == 0 || proposals.Any(p => p.Proposal.Type is not (ProposalType.Add or ProposalType.PreSharedKey or ProposalType.ReInit));
        return new CommitPlan(newTree, newExtensions, added, removed, psks, externalInit, pathRequired);
    }
}
