using AudioOrchestrator.Mls.Codec;
using AudioOrchestrator.Mls.Messages;
using AudioOrchestrator.Mls.Schedule;
using AudioOrchestrator.Mls.Tree;

namespace AudioOrchestrator.Mls.Group;

/// <summary>Commit creation by this member.</summary>
public sealed partial class MlsGroup
{
    /// <summary>
    /// Creates a full commit (with an UpdatePath) of <paramref name="proposals"/> by value plus, when
    /// <paramref name="includeCachedProposals"/>, every proposal received this epoch by reference.
    /// Returns the PublicMessage commit and a Welcome for added members. The group stays in the
    /// current epoch until <see cref="MergePendingCommit"/>.
    /// </summary>
    public CommitOutput CreateCommit(IReadOnlyList<Proposal>? proposals = null, bool includeCachedProposals = true)
    {
        EnsureMember();
        var own = Sender.Member(OwnLeaf);
        var items = new List<ProposalOrRef>();
        var resolved = new List<(Proposal Proposal, Sender Sender)>();
        if (includeCachedProposals)
        {
            foreach (var cached in _proposals.Values)
            {
                items.Add(new ProposalOrRef(null, cached.Reference));
                resolved.Add((cached.Proposal, cached.Sender));
            }
        }

        foreach (var p in proposals ?? [])
        {
            items.Add(new ProposalOrRef(p, null));
            resolved.Add((p, own));
        }

        var plan = CommitApplication.Apply(Suite, Tree, Context, resolved, own);
        if (plan.RemovedLeaves.Contains(OwnLeaf))
        {
            throw new MlsProtocolException("A member cannot commit its own removal.");
        }

        var tree = plan.Tree;
        var created = TreeKem.Create(
            Suite,
            tree,
            OwnLeaf,
            tree.GetLeaf(OwnLeaf)!,
            _signaturePrivateKey,
            GroupId,
            treeHash => (Context with { Epoch = Epoch + 1, TreeHash = treeHash, Extensions = plan.Extensions }).Serialize(),
            plan.AddedLeaves);

        var commit = new Commit(items, created.Path);
        var content = new FramedContent(GroupId, Epoch, own, [], ContentType.Commit, null, null, commit);
        var signature = PublicMessageFraming.Sign(Suite, _signaturePrivateKey, WireFormat.PublicMessage, content, Context);
        var confirmed = TranscriptHashes.ConfirmedHash(Suite, InterimTranscriptHash, new AuthenticatedContent(WireFormat.PublicMessage, content, new FramedContentAuthData(signature, [])));
        var newContext = new GroupContext(Suite.Id, GroupId, Epoch + 1, tree.TreeHash(Suite), confirmed, plan.Extensions);
        var pskIds = plan.Psks.Select(id => (id, LookupPsk(id))).ToList();
        var pskSecret = PreSharedKeys.PskSecret(Suite, pskIds);
        var secrets = KeySchedule.Advance(Suite, Secrets.InitSecret, created.CommitSecret, pskSecret, newContext.Serialize());
        var tag = TranscriptHashes.ConfirmationTag(Suite, secrets.ConfirmationKey, confirmed);
        var auth = new FramedContentAuthData(signature, tag);
        var membershipTag = PublicMessageFraming.MembershipTag(Suite, Secrets.MembershipKey, content, auth, Context);
        var message = new MlsMessage(WireFormat.PublicMessage, PublicMessage: new PublicMessage(content, auth, membershipTag));

        MlsMessage? welcome = null;
        var adds = resolved.Select(r => r.Proposal).OfType<AddProposal>().ToList();
        if (adds.Count > 0)
        {
            var ratchetTree = new Extension(ExtensionType.RatchetTree, tree.Serialize());
            var info = new GroupInfo(newContext, [ratchetTree], tag, OwnLeaf, []).Sign(Suite, _signaturePrivateKey);
            var encryptedInfo = WelcomeSecrets.EncryptGroupInfo(Suite, info, secrets.JoinerSecret, pskSecret);
            var fdp = tree.FilteredDirectPath(OwnLeaf);
            var entries = new List<EncryptedGroupSecrets>();
            for (var i = 0; i < adds.Count; i++)
            {
                var lca = TreeMath.CommonAncestor(TreeMath.LeafToNode(OwnLeaf), TreeMath.LeafToNode(plan.AddedLeaves[i]), tree.LeafCount);
                var index = fdp.ToList().IndexOf(lca);
                var groupSecrets = new GroupSecrets(secrets.JoinerSecret, index >= 0 ? created.PathSecrets[index] : null, plan.Psks);
                var kp = adds[i].KeyPackage;
                entries.Add(new EncryptedGroupSecrets(kp.Reference(Suite), Suite.EncryptWithLabel(kp.InitKey, "Welcome", encryptedInfo, groupSecrets.Serialize())));
            }

            welcome = new MlsMessage(WireFormat.Welcome, Welcome: new Welcome(Suite.Id, entries, encryptedInfo));
        }

        var keys = created.PrivateKeys;
        keys.Prune(tree);
        _pendingCommit = new EpochState(tree, newContext, secrets, TranscriptHashes.InterimHash(Suite, confirmed, tag), keys);
        return new CommitOutput(message, welcome);
    }

    /// <summary>Moves to the epoch of the commit created by <see cref="CreateCommit"/>.</summary>
    public void MergePendingCommit()
    {
        var pending = _pendingCommit ?? throw new InvalidOperationException("No pending commit.");
        Enter(pending);
    }

    /// <summary>Forgets the commit created by <see cref="CreateCommit"/> (e.g. another commit won).</summary>
    public void DiscardPendingCommit() => _pendingCommit = null;
}
