using AudioOrchestrator.Dave.Codec;
using AudioOrchestrator.Dave.Session;
using AudioOrchestrator.Mls.Crypto;
using AudioOrchestrator.Mls.Group;
using AudioOrchestrator.Mls.Messages;

namespace AudioOrchestrator.Dave.Tests;

/// <summary>A settable clock.</summary>
internal sealed class FakeClock : TimeProvider
{
    private DateTimeOffset _now = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    public override DateTimeOffset GetUtcNow() => _now;

    public void Advance(TimeSpan by) => _now += by;
}

/// <summary>
/// Test-side voice gateway: the group's single external sender. It signs Add and Remove proposals
/// with its own key and frames gateway messages; like the real gateway it knows the group id and
/// epoch (taken here from a member's view of the group).
/// </summary>
internal sealed class FakeVoiceGateway
{
    public static readonly CipherSuite Suite = CipherSuite.Get(CipherSuite.P256Aes128Sha256);

    private readonly byte[] _signaturePrivateKey;
    private ushort _sequence;

    public FakeVoiceGateway()
    {
        (_signaturePrivateKey, var publicKey) = Suite.GenerateSignatureKeyPair();
        Sender = new ExternalSender(publicKey, DaveIdentity.Credential(42));
    }

    public ExternalSender Sender { get; }

    public byte[] ExternalSenderPackage() => DaveBinaryCodec.EncodeServer(new ExternalSenderPackage(_sequence++, Sender));

    public MlsMessage Proposal(byte[] groupId, ulong epoch, Proposal proposal)
    {
        var content = new FramedContent(groupId, epoch, Mls.Messages.Sender.External(0), [], ContentType.Proposal, null, proposal, null);
        return new MlsMessage(WireFormat.PublicMessage, PublicMessage: PublicMessageFraming.Protect(Suite, _signaturePrivateKey, content, null, null));
    }

    public byte[] Append(params MlsMessage[] proposals) => DaveBinaryCodec.EncodeServer(ProposalsPackage.Append(_sequence++, proposals));

    public byte[] Revoke(params byte[][] refs) => DaveBinaryCodec.EncodeServer(ProposalsPackage.Revoke(_sequence++, refs));

    public byte[] Announce(ushort transitionId, MlsMessage commit) => DaveBinaryCodec.EncodeServer(new AnnounceCommitTransition(_sequence++, transitionId, commit));

    public byte[] Welcome(ushort transitionId, Welcome welcome) => DaveBinaryCodec.EncodeServer(new WelcomePackage(_sequence++, transitionId, welcome));

    public static byte[] Json(DaveJsonMessage message) => DaveJsonCodec.Serialize(message, 1);

    public static KeyPackage KeyPackageOf(IReadOnlyList<DaveOutgoing> outgoing) =>
        ((KeyPackageMessage)DaveBinaryCodec.ParseClient(Single(outgoing, DaveOpcode.MlsKeyPackage).Encode())).KeyPackage;

    public static CommitWelcomeMessage CommitOf(IReadOnlyList<DaveOutgoing> outgoing) =>
        (CommitWelcomeMessage)DaveBinaryCodec.ParseClient(Single(outgoing, DaveOpcode.MlsCommitWelcome).Encode());

    public static DaveOutgoing Single(IReadOnlyList<DaveOutgoing> outgoing, DaveOpcode opcode) => Assert.Single(outgoing, o => o.Opcode == opcode);
}
