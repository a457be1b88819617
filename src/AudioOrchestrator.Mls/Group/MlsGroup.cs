using System.Security.Cryptography;
using AudioOrchestrator.Mls.Codec;
using AudioOrchestrator.Mls.Crypto;
using AudioOrchestrator.Mls.Messages;
using AudioOrchestrator.Mls.Schedule;
using AudioOrchestrator.Mls.Tree;

namespace AudioOrchestrator.Mls.Group;

/// <summary>Private keys belonging to one of our key packages.</summary>
public sealed record KeyPackagePrivateKeys(byte[] InitPrivateKey, byte[] EncryptionPrivateKey, byte[] SignaturePrivateKey);

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
    public bool IsMember => Tree.GetLeaf(OwnLeaf) is not null;

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

    /// <summary>Verifies a proposal message of the current epoch and caches it for a later commit.</summary>
    public CachedProposal HandleProposal(MlsMessage message)
    {
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
        var authenticated = Unprotect(message);
        var content = authenticated.Content;
        if (content.ContentType != ContentType.Commit)
        {
            throw new MlsProtocolException("Message is not a commit.");
        }

        var commit = content.Commit!;
        var proposals = ResolveProposals(commit, content.Sender);
        var plan = CommitApplication.Apply(Suite, Tree, Context.Extensions, proposals);
        var tree = plan.Tree;

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
        Tree = tree;
        Context = newContext;
        Secrets = secrets;
        InterimTranscriptHash = TranscriptHashes.InterimHash(Suite, confirmed, tag);
        _keys = keys;
        _secretTree = new SecretTree(Suite, secrets.EncryptionSecret, tree.LeafCount);
        _proposals.Clear();
        _resumptionPsks[newContext.Epoch] = secrets.ResumptionPsk;
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

    internal byte[] SignaturePrivateKey => _signaturePrivateKey;

    internal static byte[] RandomBytes(int count) => RandomNumberGenerator.GetBytes(count);
}
