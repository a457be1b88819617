using System.Security.Cryptography;
using AudioOrchestrator.Mls.Codec;
using AudioOrchestrator.Mls.Crypto;
using AudioOrchestrator.Mls.Messages;
using AudioOrchestrator.Mls.Schedule;
using AudioOrchestrator.Mls.Tree;

namespace AudioOrchestrator.Mls.Group;

/// <summary>Private keys belonging to one of our key packages.</summary>
public sealed record KeyPackagePrivateKeys(byte[] InitPrivateKey, byte[] EncryptionPrivateKey, byte[] SignaturePrivateKey);

/// <summary>The messages produced by <see cref="MlsGroup.CreateCommit"/>.</summary>
public sealed record CommitOutput(MlsMessage Commit, MlsMessage? Welcome);

/// <summary>A proposal received in the current epoch, kept for commits that reference it.</summary>
public sealed record CachedProposal(byte[] Reference, Proposal Proposal, Sender Sender);

/// <summary>
/// A member's state of one MLS group: joins through a Welcome and follows the group by processing
/// proposals and commits (RFC 9420 §12). Not thread-safe.
/// </summary>
public sealed class MlsGroup
{
    private const string ProposalRefLabel = "MLS 1.0 Proposal Reference";

    private readonly Dictionary<string, CachedProposal> _proposals = [];
    private readonly Dictionary<ulong, byte[]> _resumptionPsks = [];
    private readonly Func<PreSharedKeyId, byte[]?> _pskLookup;
    private readonly byte[] _signaturePrivateKey;
    private TreePrivateKeys _keys;
    private SecretTree _secretTree;
    private EpochState? _pendingCommit;
    private bool _removed;

    private MlsGroup(
        CipherSuite suite,
        GroupContext context,
        RatchetTree tree,
        TreePrivateKeys keys,
        EpochSecrets secrets,
        byte[] interimTranscriptHash,
        byte[] signaturePrivateKey,
        Func<PreSharedKeyId, byte[]?> pskLookup)
    {
        Suite = suite;
        Context = context;
        Tree = tree;
        _keys = keys;
        Secrets = secrets;
        InterimTranscriptHash = interimTranscriptHash;
        _signaturePrivateKey = signaturePrivateKey;
        _pskLookup = pskLookup;
        _secretTree = new SecretTree(suite, secrets.EncryptionSecret, tree.LeafCount);
        _resumptionPsks[context.Epoch] = secrets.ResumptionPsk;
    }

    public CipherSuite Suite { get; }

    public GroupContext Context { get; private set; }

    public RatchetTree Tree { get; private set; }

    public EpochSecrets Secrets { get; private set; }

    public byte[] InterimTranscriptHash { get; private set; }

    public uint OwnLeaf => _keys.LeafIndex;

    public ulong Epoch => Context.Epoch;

    public byte[] GroupId => Context.GroupId;

    public byte[] EpochAuthenticator => Secrets.EpochAuthenticator;

    /// <summary>False once a commit has removed us from the group.</summary>
    public bool IsMember => !_removed;

    /// <summary>True while a commit we created awaits <see cref="MergePendingCommit"/>.</summary>
    public bool HasPendingCommit => _pendingCommit is not null;

    /// <summary>MLS-Exporter for the current epoch.</summary>
    public byte[] Export(string label, ReadOnlySpan<byte> context, int length) =>
        KeySchedule.Export(Suite, Secrets.ExporterSecret, label, context, length);

    /// <summary>
    /// Joins a group from a Welcome (RFC 9420 §12.4.3.1). <paramref name="ratchetTree"/> is needed
    /// when the GroupInfo carries no ratchet_tree extension; <paramref name="pskLookup"/> resolves PSKs.
    /// </summary>
    public static MlsGroup Join(
        Welcome welcome,
        KeyPackage keyPackage,
        KeyPackagePrivateKeys privateKeys,
        RatchetTree? ratchetTree = null,
        Func<PreSharedKeyId, byte[]?>? pskLookup = null)
    {
        ArgumentNullException.ThrowIfNull(welcome);
        ArgumentNullException.ThrowIfNull(keyPackage);
        ArgumentNullException.ThrowIfNull(privateKeys);
        pskLookup ??= _ => null;
        var suite = CipherSuite.Get(welcome.CipherSuite);
        var groupSecrets = WelcomeSecrets.DecryptGroupSecrets(suite, welcome, keyPackage, privateKeys.InitPrivateKey);
        var pskSecret = PreSharedKeys.PskSecret(suite, groupSecrets.Psks.Select(id => (id, pskLookup(id) ?? throw new MlsProtocolException("Unknown PSK in Welcome."))).ToList());
        var info = WelcomeSecrets.DecryptGroupInfo(suite, welcome, groupSecrets.JoinerSecret, pskSecret);
        var context = info.GroupContext;
        if (context.CipherSuite != suite.Id)
        {
            throw new MlsProtocolException("GroupInfo cipher suite differs from the Welcome's.");
        }

        var tree = TreeFromGroupInfo(info) ?? ratchetTree?.Clone() ?? throw new MlsProtocolException("No ratchet tree for the Welcome.");
        ValidateTree(suite, tree, context);
        var signer = tree.GetLeaf(info.Signer) ?? throw new MlsProtocolException("GroupInfo signer is not a member.");
        if (!info.VerifySignature(suite, signer.SignatureKey))
        {
            throw new MlsProtocolException("Invalid GroupInfo signature.");
        }

        var ownLeafBytes = keyPackage.LeafNode.Serialize();
        var ownLeaf = tree.FindLeaf(l => l.Serialize().AsSpan().SequenceEqual(ownLeafBytes))
            ?? throw new MlsProtocolException("Our key package's leaf is not in the tree.");
        var keys = new TreePrivateKeys(ownLeaf, privateKeys.EncryptionPrivateKey);
        if (groupSecrets.PathSecret is { } pathSecret)
        {
            SetPathSecrets(suite, tree, keys, TreeMath.CommonAncestor(TreeMath.LeafToNode(ownLeaf), TreeMath.LeafToNode(info.Signer), tree.LeafCount), pathSecret);
        }

        if (!keys.IsConsistentWith(suite, tree))
        {
            throw new MlsProtocolException("Private keys do not match the ratchet tree.");
        }

        var secrets = KeySchedule.FromJoiner(suite, groupSecrets.JoinerSecret, pskSecret, context.Serialize());
        if (!suite.VerifyMac(secrets.ConfirmationKey, context.ConfirmedTranscriptHash, info.ConfirmationTag))
        {
            throw new MlsProtocolException("Invalid GroupInfo confirmation tag.");
        }

        var interim = TranscriptHashes.InterimHash(suite, context.ConfirmedTranscriptHash, info.ConfirmationTag);
        return new MlsGroup(suite, context, tree, keys, secrets, interim, privateKeys.SignaturePrivateKey, pskLookup);
    }

    /// <summary>Creates a one-member group at epoch 0 (RFC 9420 §11).</summary>
    public static MlsGroup Create(
        byte[] groupId,
        KeyPackage ownKeyPackage,
        KeyPackagePrivateKeys privateKeys,
        IReadOnlyList<Extension>? extensions = null,
        Func<PreSharedKeyId, byte[]?>? pskLookup = null)
    {
        ArgumentNullException.ThrowIfNull(groupId);
        ArgumentNullException.ThrowIfNull(ownKeyPackage);
        ArgumentNullException.ThrowIfNull(privateKeys);
        var suite = CipherSuite.Get(ownKeyPackage.CipherSuite);
        var tree = RatchetTree.WithSingleLeaf(ownKeyPackage.LeafNode);
        var context = new GroupContext(suite.Id, groupId, 0, tree.TreeHash(suite), [], extensions ?? []);
        var secrets = KeySchedule.FromEpochSecret(suite, RandomNumberGenerator.GetBytes(suite.HashLength));
        var tag = TranscriptHashes.ConfirmationTag(suite, secrets.ConfirmationKey, []);
        var interim = TranscriptHashes.InterimHash(suite, [], tag);
        return new MlsGroup(suite, context, tree, new TreePrivateKeys(0, privateKeys.EncryptionPrivateKey), secrets, interim, privateKeys.SignaturePrivateKey, pskLookup ?? (_ => null));
    }

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

    private void Enter(EpochState state)
    {
        Tree = state.Tree;
        Context = state.Context;
        Secrets = state.Secrets;
        InterimTranscriptHash = state.InterimTranscriptHash;
        _keys = state.Keys;
        _secretTree = new SecretTree(Suite, state.Secrets.EncryptionSecret, state.Tree.LeafCount);
        _proposals.Clear();
        _pendingCommit = null;
        _resumptionPsks[state.Context.Epoch] = state.Secrets.ResumptionPsk;
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

    private static RatchetTree? TreeFromGroupInfo(GroupInfo info)
    {
        var ext = info.Extensions.FirstOrDefault(e => e.Type == ExtensionType.RatchetTree);
        if (ext is null)
        {
            return null;
        }

        try
        {
            return RatchetTree.FromBytes(ext.Data);
        }
        catch (MlsDecodeException ex)
        {
            throw new MlsProtocolException("Malformed ratchet_tree extension.", ex);
        }
    }

    private static void ValidateTree(CipherSuite suite, RatchetTree tree, GroupContext context)
    {
        if (!tree.TreeHash(suite).AsSpan().SequenceEqual(context.TreeHash))
        {
            throw new MlsProtocolException("Ratchet tree does not match the GroupInfo tree hash.");
        }

        Validation.CheckTreeStructure(tree);
        if (!tree.VerifyParentHashes(suite))
        {
            throw new MlsProtocolException("Ratchet tree is not parent-hash valid.");
        }

        if (!tree.VerifyLeafSignatures(suite, context.GroupId))
        {
            throw new MlsProtocolException("A leaf signature in the ratchet tree is invalid.");
        }
    }

    private static void SetPathSecrets(CipherSuite suite, RatchetTree tree, TreePrivateKeys keys, uint start, byte[] pathSecret)
    {
        var secret = pathSecret;
        keys.SetPathSecret(suite, start, secret);
        foreach (var node in TreeMath.DirectPath(start, tree.LeafCount))
        {
            if (tree[node] is null)
            {
                continue;
            }

            secret = suite.DeriveSecret(secret, "path");
            keys.SetPathSecret(suite, node, secret);
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

    private void EnsureMember()
    {
        if (_removed)
        {
            throw new MlsProtocolException("We have been removed from the group.");
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

    private sealed record EpochState(RatchetTree Tree, GroupContext Context, EpochSecrets Secrets, byte[] InterimTranscriptHash, TreePrivateKeys Keys);
}
