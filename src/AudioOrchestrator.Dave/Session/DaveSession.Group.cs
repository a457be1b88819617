using AudioOrchestrator.Dave.Codec;
using AudioOrchestrator.Mls;
using AudioOrchestrator.Mls.Codec;
using AudioOrchestrator.Mls.Group;
using AudioOrchestrator.Mls.Messages;

namespace AudioOrchestrator.Dave.Session;

/// <summary>MLS group handling: key packages, proposals, commits, welcomes and recovery.</summary>
public sealed partial class DaveSession
{
    private IReadOnlyList<DaveOutgoing> OnExternalSender(ExternalSender sender)
    {
        _externalSender = sender;
        if (!IsEstablished)
        {
            CreateLocalGroup();
        }

        return [];
    }

    private IReadOnlyList<DaveOutgoing> OnProposals(ProposalsPackage package)
    {
        if (_group is not { IsMember: true } group)
        {
            LastError = "Proposals without a local group are ignored.";
            return [];
        }

        if (package.Operation == ProposalsOperation.Append)
        {
            foreach (var message in package.ProposalMessages)
            {
                try
                {
                    CheckProposal(message);
                    group.HandleProposal(message);
                }
                catch (Exception ex) when (ex is MlsException or DaveException)
                {
                    LastError = "Proposal refused: " + ex.Message;
                }
            }
        }
        else
        {
            foreach (var reference in package.ProposalRefs)
            {
                group.RevokeProposal(reference);
            }
        }

        group.DiscardPendingCommit();
        _ownCommit = null;
        if (group.CachedProposals.Count == 0)
        {
            return [];
        }

        var output = group.CreateCommit();
        _ownCommit = output.Commit.Serialize();
        return [DaveOutgoing.Of(new CommitWelcomeMessage(output.Commit, output.Welcome?.Welcome))];
    }

    private IReadOnlyList<DaveOutgoing> OnAnnounceCommit(ushort transitionId, MlsMessage commit)
    {
        if (_group is not { IsMember: true } group)
        {
            LastError = "Commit without a group is ignored.";
            return [];
        }

        var content = commit.PublicMessage?.Content;
        var ours = group.HasPendingCommit && _ownCommit is not null && _ownCommit.AsSpan().SequenceEqual(commit.Serialize());
        if (!IsEstablished && !ours)
        {
            // A pending member only follows its own first commit; others are welcomed instead.
            LastError = "Commit for a group we are not in yet is ignored.";
            return [];
        }

        try
        {
            if (commit.WireFormat != WireFormat.PublicMessage || content?.Commit is not { } body)
            {
                throw new DaveException("Announced message is not a PublicMessage commit.");
            }

            if (body.Proposals.Count == 0 || body.Proposals.Any(p => p.Proposal is not null))
            {
                throw new DaveException("Commits may only reference cached proposals.");
            }

            group.HandleCommit(commit);
            if (!group.IsMember)
            {
                // Removed: back to a pending member with a local group of our own.
                _group = null;
                CreateLocalGroup();
                return [];
            }

            CheckUniqueMembers(group);
        }
        catch (Exception ex) when (ex is MlsException or DaveException)
        {
            return Recover(transitionId, ex.Message);
        }

        return EnterEpoch(transitionId);
    }

    private IReadOnlyList<DaveOutgoing> OnWelcome(ushort transitionId, Welcome welcome)
    {
        if (IsEstablished)
        {
            LastError = "Welcome while already in an established group is ignored.";
            return [];
        }

        if (_keyPackage is null || _keyPackageKeys is null || _externalSender is null)
        {
            return Recover(transitionId, "Welcome before a key package and an external sender.");
        }

        try
        {
            var joined = MlsGroup.Join(welcome, _keyPackage, _keyPackageKeys);
            if (!joined.GroupId.AsSpan().SequenceEqual(DaveIdentity.ToBytes(ChannelId)))
            {
                throw new DaveException("Welcome into a group for another channel.");
            }

            CheckExternalSenders(joined);
            CheckUniqueMembers(joined);
            _group = joined;
        }
        catch (Exception ex) when (ex is MlsException or DaveException)
        {
            return Recover(transitionId, ex.Message);
        }

        return EnterEpoch(transitionId);
    }

    private List<DaveOutgoing> EnterEpoch(ushort transitionId)
    {
        PrepareReceiveKeys();
        if (transitionId == 0)
        {
            _pendingTransitions.Remove(0);
            Execute(0);
            return [];
        }

        _pendingTransitions[transitionId] = _upcomingVersion;
        return [DaveOutgoing.Of(new ReadyForTransition(transitionId))];
    }

    /// <summary>Invalid commit or welcome: flag it (opcode 31), reset, and send a new key package.</summary>
    private List<DaveOutgoing> Recover(ushort transitionId, string reason)
    {
        var outgoing = new List<DaveOutgoing> { DaveOutgoing.Of(new InvalidCommitWelcome(transitionId)) };
        outgoing.AddRange(ResetGroupWithNewKeyPackage());
        LastError = "Recovering from an invalid commit or welcome: " + reason;
        return outgoing;
    }

    private List<DaveOutgoing> ResetGroupWithNewKeyPackage()
    {
        _group = null;
        _pendingTransitions.Clear();
        (_keyPackage, _keyPackageKeys) = KeyPackageFactory.Create(Suite, DaveIdentity.Credential(UserId), _signaturePrivateKey);
        CreateLocalGroup();
        return [DaveOutgoing.Of(new KeyPackageMessage(_keyPackage))];
    }

    private void CreateLocalGroup()
    {
        if (_externalSender is null || _keyPackage is null || _keyPackageKeys is null)
        {
            return;
        }

        _group = MlsGroup.Create(DaveIdentity.ToBytes(ChannelId), _keyPackage, _keyPackageKeys, [ExternalSender.ToExtension([_externalSender])]);
    }

    private void CheckProposal(MlsMessage message)
    {
        var content = message.WireFormat == WireFormat.PublicMessage ? message.PublicMessage!.Content : null;
        if (content is not { ContentType: ContentType.Proposal, Sender: { Type: SenderType.External, Index: 0 } })
        {
            throw new DaveException("Only proposals of the voice gateway (external sender 0) are accepted.");
        }

        switch (content.Proposal)
        {
            case AddProposal add:
                var user = DaveIdentity.UserIdOf(add.KeyPackage.LeafNode.Credential)
                    ?? throw new DaveException("Add proposal without a DAVE basic credential.");
                if (!_recognizedUsers.Contains(user))
                {
                    throw new DaveException($"Add proposal for unexpected user {user}.");
                }

                break;
            case RemoveProposal:
                break;
            default:
                throw new DaveException("Only Add and Remove proposals are accepted.");
        }
    }

    private void CheckExternalSenders(MlsGroup group)
    {
        var extension = group.Context.Extensions.Where(e => e.Type == ExtensionType.ExternalSenders).ToList();
        var senders = extension.Count == 1 ? ExternalSender.DecodeList(extension[0].Data) : [];
        if (senders.Count != 1 || !senders[0].Serialize().AsSpan().SequenceEqual(_externalSender!.Serialize()))
        {
            throw new DaveException("The group must have exactly the voice gateway as external sender.");
        }
    }

    private static void CheckUniqueMembers(MlsGroup group)
    {
        var seen = new HashSet<ulong>();
        foreach (var leaf in group.Tree.OccupiedLeaves())
        {
            var user = DaveIdentity.UserIdOf(group.Tree.GetLeaf(leaf)!.Credential)
                ?? throw new DaveException("Member without a DAVE basic credential.");
            if (!seen.Add(user))
            {
                throw new DaveException($"User {user} appears twice in the group.");
            }
        }
    }
}
