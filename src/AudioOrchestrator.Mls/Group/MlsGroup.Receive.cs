using AudioOrchestrator.Mls.Codec;
using AudioOrchestrator.Mls.Messages;
using AudioOrchestrator.Mls.Schedule;
using AudioOrchestrator.Mls.Tree;

namespace AudioOrchestrator.Mls.Group;

/// <summary>Processing of received proposals and commits.</summary>
public sealed partial class MlsGroup
{
    /// <summary>Verifies a proposal message of the current epoch and caches it for a later commit.</summary>
    public CachedProposal HandleProposal(MlsMessage message)
    {
        EnsureMember();
        var content = Unprotect(message);
        if (content.Content.ContentType != ContentType.Proposal)
        {
            throw new MlsProtocolException("Message is not a proposal.");
        }

        var reference = Suite.RefHash(ProposalRefLabel, content.Serialize());
        var cached = new CachedProposal(reference, content.Content.Proposal!, content.Content.Sender);
        _proposals[Convert.ToHexString(reference)] = cached;
        return cached;
    }

    /// <summary>Proposals received this epoch, in order of first receipt.</summary>
    public IReadOnlyCollection<CachedProposal> CachedProposals => _proposals.Values;

    /// <summary>Drops a cached proposal (DAVE "revoke"); returns false when it was not cached.</summary>
    public bool RevokeProposal(ReadOnlySpan<byte> reference) => _proposals.Remove(Convert.ToHexString(reference));

    /// <summary>Verifies and applies a commit of the current epoch, advancing to the next epoch.</summary>
    public void HandleCommit(MlsMessage message)
    {
        EnsureMember();
        var authenticated = Unprotect(message);
        var content = authenticated.Content;
        if (content.ContentType != ContentType.Commit)
        {
            throw new MlsProtocolException("Message is not a commit.");
        }

        if (content.Sender.Type == SenderType.Member && content.Sender.Index == OwnLeaf)
        {
            var confirmedOwn = TranscriptHashes.ConfirmedHash(Suite, InterimTranscriptHash, authenticated);
            if (_pendingCommit is null || !_pendingCommit.Context.ConfirmedTranscriptHash.AsSpan().SequenceEqual(confirmedOwn))
            {
                throw new MlsProtocolException("Commit claims to be ours but does not match our pending commit.");
            }

            MergePendingCommit();
            return;
        }

        var commit = content.Commit!;
        var proposals = ResolveProposals(commit, content.Sender);
        var plan = CommitApplication.Apply(Suite, Tree, Context, proposals, content.Sender);
        var tree = plan.Tree;
        if (plan.RemovedLeaves.Contains(OwnLeaf))
        {
            // We cannot follow into the next epoch; the commit's signature and membership tag were checked.
            _removed = true;
            _proposals.Clear();
            _pendingCommit = null;
            return;
        }

        uint committer;
        if (content.Sender.Type == SenderType.Member)
        {
            committer = content.Sender.Index;
        }
        else if (content.Sender.Type == SenderType.NewMemberCommit && commit.Path is not null && plan.ExternalInit is not null)
        {
            committer = tree.AddLeaf(commit.Path.LeafNode);
        }
        else
        {
            throw new MlsProtocolException("Invalid commit sender.");
        }

        if (commit.Path is null && plan.PathRequired)
        {
            throw new MlsProtocolException("Commit requires an UpdatePath.");
        }

        var keys = _keys.Clone();
        keys.Prune(tree);
        var commitSecret = new byte[Suite.HashLength];
        if (commit.Path is { } path)
        {
            CheckPath(tree, committer, path, plan.Extensions, content.Sender.Type == SenderType.Member);
            TreeKem.Merge(Suite, tree, committer, path, GroupId);
            if (tree.GetLeaf(OwnLeaf) is not null && committer != OwnLeaf)
            {
                var provisional = Context with { Epoch = Epoch + 1, TreeHash = tree.TreeHash(Suite), Extensions = plan.Extensions };
                commitSecret = TreeKem.Decrypt(Suite, tree, committer, path, keys, provisional.Serialize(), plan.AddedLeaves).CommitSecret;
            }
        }

        var confirmed = TranscriptHashes.ConfirmedHash(Suite, InterimTranscriptHash, authenticated);
        var newContext = new GroupContext(Suite.Id, GroupId, Epoch + 1, tree.TreeHash(Suite), confirmed, plan.Extensions);
        var pskSecret = PreSharedKeys.PskSecret(Suite, plan.Psks.Select(id => (id, LookupPsk(id))).ToList());
        var initSecret = plan.ExternalInit is { } kemOutput
            ? Suite.Hpke.ReceiveExport(kemOutput, Suite.Kem.DeriveKeyPair(Secrets.ExternalSecret).PrivateKey, [], "MLS 1.0 external init secret"u8, Suite.HashLength)
            : Secrets.InitSecret;
        var secrets = KeySchedule.Advance(Suite, initSecret, commitSecret, pskSecret, newContext.Serialize());
        var tag = authenticated.Auth.ConfirmationTag!;
        if (!Suite.VerifyMac(secrets.ConfirmationKey, confirmed, tag))
        {
            throw new MlsProtocolException("Invalid commit confirmation tag.");
        }

        keys.Prune(tree);
        Enter(new EpochState(tree, newContext, secrets, TranscriptHashes.InterimHash(Suite, confirmed, tag), keys));
    }

    private static void CheckPath(RatchetTree tree, uint committer, UpdatePath path, IReadOnlyList<Extension> extensions, bool existingMember)
    {
        if (existingMember && tree.GetLeaf(committer)!.EncryptionKey.AsSpan().SequenceEqual(path.LeafNode.EncryptionKey))
        {
            throw new MlsProtocolException("UpdatePath must change the committer's encryption key.");
        }

        Validation.CheckLeaf(path.LeafNode, tree, extensions, committer);
        for (uint n = 0; n < tree.NodeCount; n++)
        {
            if (tree[n] is { } node && path.Nodes.Any(p => p.EncryptionKey.AsSpan().SequenceEqual(node.EncryptionKey)))
            {
                throw new MlsProtocolException("UpdatePath reuses a public key of the tree.");
            }
        }
    }

    private byte[] LookupPsk(PreSharedKeyId id)
    {
        if (id.Type == PskType.Resumption && id.PskGroupId.AsSpan().SequenceEqual(GroupId)
            && _resumptionPsks.TryGetValue(id.PskEpoch, out var resumption))
        {
            return resumption;
        }

        return _pskLookup(id) ?? throw new MlsProtocolException("Unknown PSK.");
    }

    private List<(Proposal Proposal, Sender Sender)> ResolveProposals(Commit commit, Sender committer)
    {
        var result = new List<(Proposal, Sender)>();
        foreach (var item in commit.Proposals)
        {
            if (item.Proposal is { } proposal)
            {
                result.Add((proposal, committer));
            }
            else if (_proposals.TryGetValue(Convert.ToHexString(item.Reference!), out var cached))
            {
                result.Add((cached.Proposal, cached.Sender));
            }
            else
            {
                throw new MlsProtocolException("Commit references an unknown proposal.");
            }
        }

        return result;
    }

    private AuthenticatedContent Unprotect(MlsMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        switch (message.WireFormat)
        {
            case WireFormat.PublicMessage:
                {
                    var pm = message.PublicMessage!;
                    CheckEpoch(pm.Content.GroupId, pm.Content.Epoch);
                    return PublicMessageFraming.Verify(Suite, pm, SignatureKeyOf(pm.Content), Context, Secrets.MembershipKey);
                }

            case WireFormat.PrivateMessage:
                {
                    var pm = message.PrivateMessage!;
                    CheckEpoch(pm.GroupId, pm.Epoch);
                    return PrivateMessageFraming.Unprotect(
                        Suite,
                        pm,
                        Context,
                        _secretTree,
                        Secrets.SenderDataSecret,
                        leaf => Tree.GetLeaf(leaf)?.SignatureKey ?? throw new MlsProtocolException("Unknown sender."));
                }

            default:
                throw new MlsProtocolException($"Unexpected wire format {message.WireFormat}.");
        }
    }

    private void CheckEpoch(byte[] groupId, ulong epoch)
    {
        if (!groupId.AsSpan().SequenceEqual(GroupId))
        {
            throw new MlsProtocolException("Message for another group.");
        }

        if (epoch != Epoch)
        {
            throw new MlsProtocolException($"Message for epoch {epoch}, group is at {Epoch}.");
        }
    }

    private byte[] SignatureKeyOf(FramedContent content)
    {
        switch (content.Sender.Type)
        {
            case SenderType.Member:
                return Tree.GetLeaf(content.Sender.Index)?.SignatureKey ?? throw new MlsProtocolException("Unknown member sender.");
            case SenderType.External:
                var ext = Context.Extensions.FirstOrDefault(e => e.Type == ExtensionType.ExternalSenders)
                    ?? throw new MlsProtocolException("External sender without external_senders extension.");
                var senders = ExternalSender.DecodeList(ext.Data);
                if (content.Sender.Index >= senders.Count)
                {
                    throw new MlsProtocolException("Unknown external sender.");
                }

                return senders[(int)content.Sender.Index].SignatureKey;
            case SenderType.NewMemberProposal:
                return (content.Proposal as AddProposal)?.KeyPackage.LeafNode.SignatureKey
                    ?? throw new MlsProtocolException("new_member_proposal must carry an Add.");
            default:
                return content.Commit?.Path?.LeafNode.SignatureKey
                    ?? throw new MlsProtocolException("new_member_commit must carry an UpdatePath.");
        }
    }
}
