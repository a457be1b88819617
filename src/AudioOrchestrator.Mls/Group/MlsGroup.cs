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
public sealed partial class MlsGroup
{
    private const string ProposalRefLabel = "MLS 1.0 Proposal Reference";

    private readonly OrderedDictionary<string, CachedProposal> _proposals = [];
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
    private void EnsureMember()
    {
        if (_removed)
        {
            throw new MlsProtocolException("We have been removed from the group.");
        }
    }
    private sealed record EpochState(RatchetTree Tree, GroupContext Context, EpochSecrets Secrets, byte[] InterimTranscriptHash, TreePrivateKeys Keys);
}
