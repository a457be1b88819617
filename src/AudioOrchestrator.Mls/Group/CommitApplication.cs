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
    public static CommitPlan Apply(CipherSuite suite, RatchetTree tree, IReadOnlyList<Extension> extensions, IReadOnlyList<(Proposal Proposal, Sender Sender)> proposals)
    {
        ArgumentNullException.ThrowIfNull(suite);
        ArgumentNullException.ThrowIfNull(tree);
        ArgumentNullException.ThrowIfNull(proposals);
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
            if (!add.KeyPackage.VerifySignature(suite))
            {
                throw new MlsProtocolException("Add proposal with an invalid key package signature.");
            }

            added.Add(newTree.AddLeaf(add.KeyPackage.LeafNode));
        }

        var psks = proposals.Select(p => p.Proposal).OfType<PreSharedKeyProposal>().Select(p => p.Psk).ToList();
        var externalInit = proposals.Select(p => p.Proposal).OfType<ExternalInitProposal>().FirstOrDefault()?.KemOutput;
        var pathRequired = proposals.Count == 0 || proposals.Any(p => p.Proposal.Type is not (ProposalType.Add or ProposalType.PreSharedKey or ProposalType.ReInit));
        return new CommitPlan(newTree, newExtensions, added, removed, psks, externalInit, pathRequired);
    }
}
