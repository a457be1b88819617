using AudioOrchestrator.Dave.Codec;
using AudioOrchestrator.Dave.Frames;
using AudioOrchestrator.Dave.Session;
using AudioOrchestrator.Mls.Codec;
using AudioOrchestrator.Mls.Group;
using AudioOrchestrator.Mls.Messages;

namespace AudioOrchestrator.Dave.Tests;

public sealed class SessionTests
{
    private const ulong Channel = 777;
    private const ulong UserA = 1000, UserB = 1001, UserC = 1002;

    private readonly FakeClock _clock = new();
    private readonly FakeVoiceGateway _gateway = new();

    private DaveSession Connect(ulong user, out KeyPackage keyPackage, params ulong[] others)
    {
        var session = new DaveSession(user, Channel, _clock);
        session.OnClientsConnect(others);
        keyPackage = FakeVoiceGateway.KeyPackageOf(session.OnSelectProtocolAck(1));
        Assert.Empty(session.HandleBinary(_gateway.ExternalSenderPackage()));
        Assert.NotNull(session.Group);
        Assert.False(session.IsEstablished);
        return session;
    }

    private byte[] Add(DaveSession view, KeyPackage kp) => _gateway.Append(_gateway.Proposal(view.Group!.GroupId, view.Group.Epoch, new AddProposal(kp)));

    private byte[] Remove(DaveSession view, ulong user)
    {
        var leaf = view.Group!.Tree.FindLeaf(l => DaveIdentity.UserIdOf(l.Credential) == user)!.Value;
        return _gateway.Append(_gateway.Proposal(view.Group.GroupId, view.Group.Epoch, new RemoveProposal(leaf)));
    }

    private static void Execute(ushort transitionId, params DaveSession[] sessions)
    {
        foreach (var s in sessions)
        {
            Assert.Empty(s.HandleJson(FakeVoiceGateway.Json(new ExecuteTransition(transitionId))));
            Assert.Null(s.LastError);
        }
    }

    private static void AssertReady(IReadOnlyList<DaveOutgoing> outgoing, ushort transitionId) =>
        Assert.Equal(new ReadyForTransition(transitionId), Assert.Single(outgoing).Json);

    internal static void AssertMedia(DaveSession from, params DaveSession[] to)
    {
        var frame = FrameTests.OpusFrame(120, (int)from.UserId);
        var encrypted = new byte[DaveFrameEncryptor.MaxOutputSize(frame.Length)];
        Assert.Equal(FrameEncryptResult.Encrypted, from.Encrypt(frame, encrypted, out var n));
        foreach (var receiver in to)
        {
            var output = new byte[n];
            Assert.Equal(FrameDecryptResult.Decrypted, receiver.Decrypt(from.UserId, encrypted.AsSpan(0, n), output, out var m));
            Assert.Equal(frame, output[..m]);
        }
    }

    [Fact]
    public void Three_members_create_join_grow_shrink_and_exchange_media()
    {
        using var a = Connect(UserA, out var kpA, UserB, UserC);
        using var b = Connect(UserB, out var kpB, UserA, UserC);

        // Initial group creation: each pending member gets the other's Add and commits.
        var commitA = FakeVoiceGateway.CommitOf(a.HandleBinary(Add(a, kpB)));
        var commitB = FakeVoiceGateway.CommitOf(b.HandleBinary(Add(b, kpA)));
        Assert.NotNull(commitA.Welcome);
        Assert.NotNull(commitB.Welcome);

        // The gateway picks A's commit: A merges its own, B is welcomed and ignores the announcement.
        AssertReady(a.HandleBinary(_gateway.Announce(1, commitA.Commit)), 1);
        Assert.Empty(b.HandleBinary(_gateway.Announce(1, commitA.Commit)));
        AssertReady(b.HandleBinary(_gateway.Welcome(1, commitA.Welcome!)), 1);
        Assert.True(a.IsEstablished && b.IsEstablished);
        Assert.Equal(a.Group!.EpochAuthenticator, b.Group!.EpochAuthenticator);
        Assert.Equal(FrameEncryptResult.NoKey, a.Encrypt(FrameTests.OpusFrame(), new byte[200], out _));
        Execute(1, a, b);
        AssertMedia(a, b);
        AssertMedia(b, a);

        // C joins; both members commit, the gateway announces B's commit and welcomes C with it.
        using var c = Connect(UserC, out var kpC, UserA, UserB);
        var add = Add(a, kpC);
        FakeVoiceGateway.CommitOf(a.HandleBinary(add));
        var commit2 = FakeVoiceGateway.CommitOf(b.HandleBinary(add));
        AssertReady(a.HandleBinary(_gateway.Announce(2, commit2.Commit)), 2);
        AssertReady(b.HandleBinary(_gateway.Announce(2, commit2.Commit)), 2);
        AssertReady(c.HandleBinary(_gateway.Welcome(2, commit2.Welcome!)), 2);
        Assert.Equal(2UL, c.Group!.Epoch);

        // Until the transition executes, senders keep the previous epoch's key and C cannot read it.
        AssertMedia(a, b);
        Execute(2, a, b, c);
        AssertMedia(a, b, c);
        AssertMedia(b, a, c);
        AssertMedia(c, a, b);

        // B leaves: the gateway proposes its removal; A's commit wins.
        a.OnClientDisconnect(UserB);
        c.OnClientDisconnect(UserB);
        var remove = Remove(a, UserB);
        var commit3 = FakeVoiceGateway.CommitOf(a.HandleBinary(remove));
        Assert.Null(commit3.Welcome);
        FakeVoiceGateway.CommitOf(c.HandleBinary(remove));
        AssertReady(a.HandleBinary(_gateway.Announce(3, commit3.Commit)), 3);
        AssertReady(c.HandleBinary(_gateway.Announce(3, commit3.Commit)), 3);
        Execute(3, a, c);
        AssertMedia(a, c);
        AssertMedia(c, a);
        Assert.Equal(["1000", "1002"], a.Group.Tree.OccupiedLeaves().Select(l => DaveIdentity.UserIdOf(a.Group.Tree.GetLeaf(l)!.Credential)!.Value.ToString(System.Globalization.CultureInfo.InvariantCulture)));

        // B's keys at A are gone after the retention window.
        var bFrame = new byte[200];
        Assert.Equal(FrameEncryptResult.Encrypted, b.Encrypt(FrameTests.OpusFrame(), bFrame, out var bn));
        Assert.Equal(FrameDecryptResult.Decrypted, a.Decrypt(UserB, bFrame.AsSpan(0, bn), new byte[200], out _));
        _clock.Advance(TimeSpan.FromSeconds(11));
        Assert.Equal(FrameEncryptResult.Encrypted, b.Encrypt(FrameTests.OpusFrame(), bFrame, out bn));
        Assert.Equal(FrameDecryptResult.NoKey, a.Decrypt(UserB, bFrame.AsSpan(0, bn), new byte[200], out _));
    }

    [Fact]
    public void Proposals_from_others_unexpected_users_or_of_other_types_are_refused()
    {
        using var a = Connect(UserA, out _, UserB);
        var suite = FakeVoiceGateway.Suite;
        var (kpStranger, _) = KeyPackageFactory.Create(suite, DaveIdentity.Credential(666), suite.GenerateSignatureKeyPair().PrivateKey);
        Assert.Empty(a.HandleBinary(Add(a, kpStranger)));
        Assert.Contains("unexpected user", a.LastError, StringComparison.Ordinal);

        // An impostor signs with another key as "external sender 0".
        var impostor = new FakeVoiceGateway();
        var (kpB, _) = KeyPackageFactory.Create(suite, DaveIdentity.Credential(UserB), suite.GenerateSignatureKeyPair().PrivateKey);
        Assert.Empty(a.HandleBinary(impostor.Append(impostor.Proposal(a.Group!.GroupId, 0, new AddProposal(kpB)))));
        Assert.NotNull(a.LastError);

        Assert.Empty(a.HandleBinary(_gateway.Append(_gateway.Proposal(a.Group.GroupId, 0, new UpdateProposal(kpB.LeafNode)))));
        Assert.Contains("Only Add and Remove", a.LastError, StringComparison.Ordinal);
        Assert.Empty(a.Group.CachedProposals);
    }

    [Fact]
    public void Revoked_proposals_are_dropped_and_the_rest_recommitted()
    {
        var suite = FakeVoiceGateway.Suite;
        using var a = Connect(UserA, out _, UserB, UserC);
        var (kpB, _) = KeyPackageFactory.Create(suite, DaveIdentity.Credential(UserB), suite.GenerateSignatureKeyPair().PrivateKey);
        var (kpC, _) = KeyPackageFactory.Create(suite, DaveIdentity.Credential(UserC), suite.GenerateSignatureKeyPair().PrivateKey);
        var addB = _gateway.Proposal(a.Group!.GroupId, 0, new AddProposal(kpB));
        var addC = _gateway.Proposal(a.Group.GroupId, 0, new AddProposal(kpC));
        FakeVoiceGateway.CommitOf(a.HandleBinary(_gateway.Append(addB, addC)));
        Assert.Equal(2, a.Group.CachedProposals.Count);
        var refB = a.Group.CachedProposals.First().Reference;
        var recommit = FakeVoiceGateway.CommitOf(a.HandleBinary(_gateway.Revoke(refB)));
        Assert.Single(recommit.Commit.PublicMessage!.Content.Commit!.Proposals);
        Assert.Single(recommit.Welcome!.Secrets);
        Assert.Empty(a.HandleBinary(_gateway.Revoke(a.Group.CachedProposals.First().Reference)));
    }

    [Fact]
    public void Invalid_commit_or_welcome_is_flagged_with_op31_and_a_fresh_key_package()
    {
        using var a = Connect(UserA, out var kpA, UserB, UserC);
        using var b = Connect(UserB, out var kpB, UserA, UserC);
        var commit = FakeVoiceGateway.CommitOf(a.HandleBinary(Add(a, kpB)));
        a.HandleBinary(_gateway.Announce(1, commit.Commit));
        b.HandleBinary(_gateway.Welcome(1, commit.Welcome!));
        Execute(1, a, b);

        // A commit that does not verify (a foreign member's commit for the same epoch).
        using var c = Connect(UserC, out var kpC, UserA, UserB);
        var stranger = Connect(UserC, out _, UserA, UserB);
        var foreign = FakeVoiceGateway.CommitOf(stranger.HandleBinary(Add(stranger, kpA)));
        var forged = foreign.Commit with { PublicMessage = foreign.Commit.PublicMessage! with { Content = foreign.Commit.PublicMessage.Content with { Epoch = 1 } } };
        var outgoing = b.HandleBinary(_gateway.Announce(7, forged));
        Assert.Equal(new InvalidCommitWelcome(7), outgoing[0].Json);
        Assert.Equal(DaveOpcode.MlsKeyPackage, outgoing[1].Opcode);
        Assert.False(b.IsEstablished);
        Assert.Equal("""{"op":31,"d":{"transition_id":7}}""", System.Text.Encoding.UTF8.GetString(outgoing[0].Encode()));

        // Truncated announce and a welcome that is not for us: also op 31.
        var truncated = _gateway.Announce(8, commit.Commit)[..20];
        Assert.Equal(new InvalidCommitWelcome(8), a.HandleBinary(truncated)[0].Json);
        Assert.Equal(new InvalidCommitWelcome(9), c.HandleBinary(_gateway.Welcome(9, commit.Welcome!))[0].Json);

        // The flagged member is re-added with its new key package and recovers.
        var kpB2 = FakeVoiceGateway.KeyPackageOf(outgoing);
        using var d = Connect(UserA, out var kpD, UserB);
        var recommit = FakeVoiceGateway.CommitOf(d.HandleBinary(Add(d, kpB2)));
        d.HandleBinary(_gateway.Announce(10, recommit.Commit));
        AssertReady(b.HandleBinary(_gateway.Welcome(10, recommit.Welcome!)), 10);
        Execute(10, d, b);
        AssertMedia(b, d);
        stranger.Dispose();
    }

    [Fact]
    public void Prepare_epoch_one_resets_and_transition_zero_executes_at_once()
    {
        using var a = Connect(UserA, out _, UserB);
        using var b = Connect(UserB, out var kpB, UserA);
        var commit = FakeVoiceGateway.CommitOf(a.HandleBinary(Add(a, kpB)));
        a.HandleBinary(_gateway.Announce(0, commit.Commit));
        Assert.Empty(b.HandleBinary(_gateway.Welcome(0, commit.Welcome!)));
        AssertMedia(a, b);

        // Sole member reset: prepare epoch 1, then prepare transition 0.
        var reset = a.HandleJson(FakeVoiceGateway.Json(new PrepareEpoch(1, 1)));
        Assert.Equal(DaveOpcode.MlsKeyPackage, Assert.Single(reset).Opcode);
        Assert.False(a.IsEstablished);
        Assert.Equal(0UL, a.Group!.Epoch);
        Assert.Empty(a.HandleJson(FakeVoiceGateway.Json(new PrepareTransition(0, 1))));
        Assert.Empty(a.PendingTransitions);
    }

    [Fact]
    public void Downgrade_and_upgrade_switch_passthrough()
    {
        using var a = Connect(UserA, out _, UserB);
        using var b = Connect(UserB, out var kpB, UserA);
        var commit = FakeVoiceGateway.CommitOf(a.HandleBinary(Add(a, kpB)));
        a.HandleBinary(_gateway.Announce(1, commit.Commit));
        b.HandleBinary(_gateway.Welcome(1, commit.Welcome!));
        Execute(1, a, b);
        var plain = FrameTests.OpusFrame();
        var output = new byte[300];
        Assert.Equal(FrameDecryptResult.NotProtocolFrame, b.Decrypt(UserA, plain, output, out _));

        // Downgrade to protocol version 0.
        AssertReady(a.HandleJson(FakeVoiceGateway.Json(new PrepareTransition(5, 0))), 5);
        AssertReady(b.HandleJson(FakeVoiceGateway.Json(new PrepareTransition(5, 0))), 5);
        Assert.Equal(FrameDecryptResult.Passthrough, b.Decrypt(UserA, plain, output, out _));
        AssertMedia(a, b);
        Execute(5, a, b);
        Assert.Equal(0, a.ProtocolVersion);
        Assert.Equal(FrameEncryptResult.Passthrough, a.Encrypt(plain, output, out var n));
        Assert.Equal(plain, output[..n]);

        // Upgrade: prepare epoch 1 recreates the group; after the new commit executes, frames are encrypted again.
        var kpA2 = FakeVoiceGateway.KeyPackageOf(a.HandleJson(FakeVoiceGateway.Json(new PrepareEpoch(1, 1))));
        var kpB2 = FakeVoiceGateway.KeyPackageOf(b.HandleJson(FakeVoiceGateway.Json(new PrepareEpoch(1, 1))));
        a.HandleBinary(_gateway.ExternalSenderPackage());
        b.HandleBinary(_gateway.ExternalSenderPackage());
        var recommit = FakeVoiceGateway.CommitOf(b.HandleBinary(Add(b, kpA2)));
        AssertReady(b.HandleBinary(_gateway.Announce(6, recommit.Commit)), 6);
        AssertReady(a.HandleBinary(_gateway.Welcome(6, recommit.Welcome!)), 6);
        Execute(6, a, b);
        Assert.Equal(1, a.ProtocolVersion);
        AssertMedia(a, b);
        AssertMedia(b, a);
        Assert.Equal(FrameDecryptResult.Passthrough, b.Decrypt(UserA, plain, output, out _));
        _clock.Advance(TimeSpan.FromSeconds(10));
        Assert.Equal(FrameDecryptResult.NotProtocolFrame, b.Decrypt(UserA, plain, output, out _));
        Assert.NotNull(kpB2);
    }

    [Fact]
    public void Malformed_gateway_messages_are_ignored_without_exceptions()
    {
        using var a = Connect(UserA, out _, UserB);
        Assert.Empty(a.HandleBinary(new byte[] { 0, 1, 27, 9 }));
        Assert.NotNull(a.LastError);
        Assert.Empty(a.HandleJson("{\"op\":22"u8));
        Assert.NotNull(a.LastError);
        Assert.Empty(a.HandleJson(FakeVoiceGateway.Json(new ExecuteTransition(99))));
        Assert.Contains("unknown transition", a.LastError, StringComparison.Ordinal);
    }
}
