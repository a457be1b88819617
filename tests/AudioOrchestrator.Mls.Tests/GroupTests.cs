using AudioOrchestrator.Mls.Codec;
using AudioOrchestrator.Mls.Crypto;
using AudioOrchestrator.Mls.Group;
using AudioOrchestrator.Mls.Messages;

namespace AudioOrchestrator.Mls.Tests;

public sealed class GroupTests
{
    private static readonly CipherSuite Suite = CipherSuite.Get(CipherSuite.P256Aes128Sha256);

    [Fact]
    public void MembersAddRemoveAndAgreeOnSecrets()
    {
        var (aliceKp, aliceKeys) = NewKeyPackage("alice");
        var alice = MlsGroup.Create("group"u8.ToArray(), aliceKp, aliceKeys);
        var (bobKp, bobKeys) = NewKeyPackage("bob");
        var (carolKp, carolKeys) = NewKeyPackage("carol");

        var add = alice.CreateCommit([new AddProposal(bobKp), new AddProposal(carolKp)]);
        Assert.Equal(0ul, alice.Epoch);
        alice.MergePendingCommit();
        var welcome = RoundTrip(add.Welcome!).Welcome!;
        var bob = MlsGroup.Join(welcome, bobKp, bobKeys);
        var carol = MlsGroup.Join(welcome, carolKp, carolKeys);
        AssertSameEpoch(1, alice, bob, carol);

        var remove = bob.CreateCommit([new RemoveProposal(carol.OwnLeaf)]);
        var wire = RoundTrip(remove.Commit);
        bob.HandleCommit(wire);
        alice.HandleCommit(wire);
        carol.HandleCommit(wire);
        Assert.False(carol.IsMember);
        AssertSameEpoch(2, alice, bob);
        Assert.NotEqual(alice.Export("x", [], 16), carol.Export("x", [], 16));

        var update = alice.CreateCommit();
        bob.HandleCommit(RoundTrip(update.Commit));
        alice.MergePendingCommit();
        AssertSameEpoch(3, alice, bob);
        Assert.Equal(2, alice.Tree.OccupiedLeaves().Count());
    }

    [Fact]
    public void ExternalSenderProposalsAreCommittedByReference()
    {
        var (extPriv, extPub) = Suite.GenerateSignatureKeyPair();
        var externalSenders = ExternalSender.ToExtension([new ExternalSender(extPub, Credential.Basic([0xEE]))]);
        var (aliceKp, aliceKeys) = NewKeyPackage("alice");
        var alice = MlsGroup.Create("channel"u8.ToArray(), aliceKp, aliceKeys, [externalSenders]);
        var (bobKp, bobKeys) = NewKeyPackage("bob");

        var proposal = ExternalProposal(alice, extPriv, new AddProposal(bobKp));
        alice.HandleProposal(proposal);
        var output = alice.CreateCommit();
        Assert.NotNull(output.Welcome);
        alice.HandleCommit(RoundTrip(output.Commit));
        var bob = MlsGroup.Join(RoundTrip(output.Welcome!).Welcome!, bobKp, bobKeys);
        AssertSameEpoch(1, alice, bob);

        var (carolKp, carolKeys) = NewKeyPackage("carol");
        var addCarol = ExternalProposal(alice, extPriv, new AddProposal(carolKp));
        var removeAlice = ExternalProposal(alice, extPriv, new RemoveProposal(alice.OwnLeaf));
        foreach (var g in new[] { alice, bob })
        {
            g.HandleProposal(addCarol);
            g.HandleProposal(removeAlice);
        }

        Assert.Throws<MlsProtocolException>(() => alice.CreateCommit());
        Assert.Equal(2, bob.CachedProposals.Count);
        var (daveKp, _) = NewKeyPackage("dave");
        var revoked = bob.HandleProposal(ExternalProposal(bob, extPriv, new AddProposal(daveKp)));
        Assert.True(bob.RevokeProposal(revoked.Reference));
        Assert.False(bob.RevokeProposal(revoked.Reference));
        var byBob = bob.CreateCommit();
        Assert.Equal(2, byBob.Commit.PublicMessage!.Content.Commit!.Proposals.Count);
        alice.HandleCommit(byBob.Commit);
        bob.MergePendingCommit();
        var carol = MlsGroup.Join(byBob.Welcome!.Welcome!, carolKp, carolKeys);
        Assert.False(alice.IsMember);
        AssertSameEpoch(2, bob, carol);

        var (otherPriv, _) = Suite.GenerateSignatureKeyPair();
        Assert.Throws<MlsProtocolException>(() => bob.HandleProposal(ExternalProposal(bob, otherPriv, new RemoveProposal(carol.OwnLeaf))));
    }

    [Fact]
    public void WrongEpochAndForeignGroupAreRejected()
    {
        var (aliceKp, aliceKeys) = NewKeyPackage("alice");
        var alice = MlsGroup.Create("g"u8.ToArray(), aliceKp, aliceKeys);
        var (bobKp, bobKeys) = NewKeyPackage("bob");
        var add = alice.CreateCommit([new AddProposal(bobKp)]);
        alice.MergePendingCommit();
        var bob = MlsGroup.Join(add.Welcome!.Welcome!, bobKp, bobKeys);
        Assert.Throws<MlsProtocolException>(() => bob.HandleCommit(add.Commit));
        var (otherKp, otherKeys) = NewKeyPackage("other");
        Assert.Throws<MlsProtocolException>(() => MlsGroup.Join(add.Welcome!.Welcome!, otherKp, otherKeys));
    }

    [Fact]
    public void ApplicationMessagesRoundTripAndAreNotReplayable()
    {
        var (aliceKp, aliceKeys) = NewKeyPackage("alice");
        var alice = MlsGroup.Create("app"u8.ToArray(), aliceKp, aliceKeys);
        var (bobKp, bobKeys) = NewKeyPackage("bob");
        var add = alice.CreateCommit([new AddProposal(bobKp)]);
        alice.MergePendingCommit();
        var bob = MlsGroup.Join(add.Welcome!.Welcome!, bobKp, bobKeys);

        var first = RoundTrip(alice.EncryptApplicationMessage("hello"u8, [1, 2], paddingLength: 5));
        var second = RoundTrip(alice.EncryptApplicationMessage("world"u8));
        Assert.Equal("world"u8.ToArray(), bob.DecryptApplicationMessage(second).Data);
        var (sender, data) = bob.DecryptApplicationMessage(first);
        Assert.Equal(alice.OwnLeaf, sender);
        Assert.Equal("hello"u8.ToArray(), data);
        Assert.Throws<MlsProtocolException>(() => bob.DecryptApplicationMessage(first));

        var tampered = first.PrivateMessage! with { AuthenticatedData = [9] };
        var third = alice.EncryptApplicationMessage("again"u8).PrivateMessage!;
        Assert.Throws<MlsProtocolException>(() => bob.DecryptApplicationMessage(new MlsMessage(WireFormat.PrivateMessage, PrivateMessage: third with { AuthenticatedData = [9] })));
        Assert.Equal("again"u8.ToArray(), bob.DecryptApplicationMessage(new MlsMessage(WireFormat.PrivateMessage, PrivateMessage: third)).Data);
        Assert.Throws<MlsProtocolException>(() => bob.DecryptApplicationMessage(new MlsMessage(WireFormat.PrivateMessage, PrivateMessage: tampered)));
    }

    [Fact]
    public void InvalidProposalListsAreRejected()
    {
        var (aliceKp, aliceKeys) = NewKeyPackage("alice");
        var alice = MlsGroup.Create("g"u8.ToArray(), aliceKp, aliceKeys);
        var (bobKp, _) = NewKeyPackage("bob");
        Assert.Throws<MlsProtocolException>(() => alice.CreateCommit([new AddProposal(bobKp), new AddProposal(bobKp)]));
        Assert.Throws<MlsProtocolException>(() => alice.CreateCommit([new AddProposal(aliceKp)]));
        var forged = bobKp with { InitKey = Suite.Kem.GenerateKeyPair().PublicKey };
        Assert.Throws<MlsProtocolException>(() => alice.CreateCommit([new AddProposal(forged)]));
        var otherSuite = bobKp with { CipherSuite = 1 };
        Assert.Throws<MlsProtocolException>(() => alice.CreateCommit([new AddProposal(otherSuite)]));
        Assert.Throws<MlsProtocolException>(() => alice.CreateCommit([new RemoveProposal(5)]));
        Assert.Throws<MlsProtocolException>(() => alice.CreateCommit([new ExternalInitProposal([1])]));
        Assert.False(alice.HasPendingCommit);
        Assert.Equal(0ul, alice.Epoch);
    }

    private static MlsMessage ExternalProposal(MlsGroup group, byte[] signaturePrivateKey, Proposal proposal)
    {
        var content = new FramedContent(group.GroupId, group.Epoch, Sender.External(0), [], ContentType.Proposal, null, proposal, null);
        var message = PublicMessageFraming.Protect(Suite, signaturePrivateKey, content, null, null);
        return RoundTrip(new MlsMessage(WireFormat.PublicMessage, PublicMessage: message));
    }

    private static (KeyPackage, KeyPackagePrivateKeys) NewKeyPackage(string name)
    {
        var (sigPriv, _) = Suite.GenerateSignatureKeyPair();
        return KeyPackageFactory.Create(Suite, Credential.Basic(System.Text.Encoding.UTF8.GetBytes(name)), sigPriv);
    }

    private static MlsMessage RoundTrip(MlsMessage message) => TlsCodec.Deserialize<MlsMessage>(message.Serialize());

    private static void AssertSameEpoch(ulong epoch, params MlsGroup[] groups)
    {
        foreach (var g in groups)
        {
            Assert.Equal(epoch, g.Epoch);
            Assert.Equal(groups[0].EpochAuthenticator, g.EpochAuthenticator);
            Assert.Equal(groups[0].Export("Discord Secure Frames v0", [1, 2, 3], 16), g.Export("Discord Secure Frames v0", [1, 2, 3], 16));
            Assert.Equal(groups[0].Tree.Serialize(), g.Tree.Serialize());
        }
    }
}
