using System.Text;
using AudioOrchestrator.Dave.Codec;
using AudioOrchestrator.Dave.Session;
using AudioOrchestrator.Mls.Codec;
using AudioOrchestrator.Mls.Group;
using AudioOrchestrator.Mls.Messages;

namespace AudioOrchestrator.Dave.Tests;

public sealed class CodecTests
{
    private static readonly FakeVoiceGateway Gateway = new();

    internal static (byte[] Bytes, bool Server)[] SampleMessages()
    {
        var suite = FakeVoiceGateway.Suite;
        var (kp, keys) = KeyPackageFactory.Create(suite, DaveIdentity.Credential(7), suite.GenerateSignatureKeyPair().PrivateKey);
        var (kp2, _) = KeyPackageFactory.Create(suite, DaveIdentity.Credential(8), suite.GenerateSignatureKeyPair().PrivateKey);
        var group = MlsGroup.Create(DaveIdentity.ToBytes(99), kp, keys, [ExternalSender.ToExtension([Gateway.Sender])]);
        var proposal = Gateway.Proposal(group.GroupId, 0, new AddProposal(kp2));
        group.HandleProposal(proposal);
        var commit = group.CreateCommit();
        return
        [
            (Gateway.ExternalSenderPackage(), true),
            (Gateway.Append(proposal, proposal), true),
            (Gateway.Revoke(group.CachedProposals.First().Reference, [1, 2, 3]), true),
            (Gateway.Announce(513, commit.Commit), true),
            (Gateway.Welcome(65535, commit.Welcome!.Welcome!), true),
            (DaveBinaryCodec.EncodeClient(new KeyPackageMessage(kp)), false),
            (DaveBinaryCodec.EncodeClient(new CommitWelcomeMessage(commit.Commit, commit.Welcome!.Welcome)), false),
            (DaveBinaryCodec.EncodeClient(new CommitWelcomeMessage(commit.Commit, null)), false),
        ];
    }

    [Fact]
    public void Binary_messages_round_trip_byte_for_byte()
    {
        foreach (var (bytes, server) in SampleMessages())
        {
            var again = server
                ? DaveBinaryCodec.EncodeServer(DaveBinaryCodec.ParseServer(bytes))
                : DaveBinaryCodec.EncodeClient(DaveBinaryCodec.ParseClient(bytes));
            Assert.Equal(bytes, again);
        }
    }

    [Fact]
    public void Server_framing_is_sequence_then_opcode_with_big_endian_transition_id()
    {
        var messages = SampleMessages();
        var announce = messages[3].Bytes;
        Assert.Equal(29, announce[2]);
        Assert.Equal([0x02, 0x01], announce[3..5]);
        var parsed = Assert.IsType<AnnounceCommitTransition>(DaveBinaryCodec.ParseServer(announce));
        Assert.Equal(513, parsed.TransitionId);
        Assert.Equal(BitConverter.IsLittleEndian ? (ushort)((announce[0] << 8) | announce[1]) : parsed.Sequence, parsed.Sequence);
        var welcome = Assert.IsType<WelcomePackage>(DaveBinaryCodec.ParseServer(messages[4].Bytes));
        Assert.Equal(65535, welcome.TransitionId);
        var revoke = Assert.IsType<ProposalsPackage>(DaveBinaryCodec.ParseServer(messages[2].Bytes));
        Assert.Equal(ProposalsOperation.Revoke, revoke.Operation);
        Assert.Equal([1, 2, 3], revoke.ProposalRefs[1]);
        Assert.Equal(26, messages[5].Bytes[0]);
        Assert.Equal(28, messages[6].Bytes[0]);
    }

    [Fact]
    public void Key_package_wrapped_in_an_MLSMessage_is_accepted()
    {
        var suite = FakeVoiceGateway.Suite;
        var (kp, _) = KeyPackageFactory.Create(suite, DaveIdentity.Credential(7), suite.GenerateSignatureKeyPair().PrivateKey);
        var wrapped = new byte[] { 26 }.Concat(new MlsMessage(WireFormat.KeyPackage, KeyPackage: kp).Serialize()).ToArray();
        var parsed = Assert.IsType<KeyPackageMessage>(DaveBinaryCodec.ParseClient(wrapped));
        Assert.Equal(kp.Serialize(), parsed.KeyPackage.Serialize());
    }

    [Fact]
    public void Every_truncation_and_trailing_byte_is_a_decode_exception()
    {
        var samples = SampleMessages();
        foreach (var (bytes, server) in samples)
        {
            for (var length = 0; length < bytes.Length; length++)
            {
                // Opcode 28's Welcome is optional and unprefixed: the commit alone is a valid message.
                if (!samples.Any(s => s.Bytes.AsSpan().SequenceEqual(bytes.AsSpan(0, length))))
                {
                    AssertRejected(bytes[..length], server);
                }
            }

            AssertRejected([.. bytes, 0], server);
        }
    }

    [Fact]
    public void Unknown_opcodes_and_operations_are_rejected()
    {
        AssertRejected([0, 1, 26, 0], true);
        AssertRejected([0, 1, 21], true);
        AssertRejected([0, 1, 27, 2, 0], true);
        AssertRejected([25, 0], false);
        AssertRejected([29], false);
        AssertRejected([], false);
        // non-minimal vector length (0x40 0x01 encodes 1 in two bytes)
        AssertRejected([0, 1, 27, 1, 0x40, 0x01, 0], true);
    }

    [Fact]
    public void Json_messages_round_trip()
    {
        DaveJsonMessage[] messages =
        [
            new PrepareTransition(10, 0), new ExecuteTransition(10), new ReadyForTransition(65535),
            new PrepareEpoch(1, 1), new PrepareEpoch(ulong.MaxValue, 1), new InvalidCommitWelcome(32),
        ];
        foreach (var message in messages)
        {
            var json = DaveJsonCodec.Serialize(message, 5);
            var parsed = DaveJsonCodec.Parse(json);
            Assert.Equal(message, parsed.Message);
            Assert.Equal(message.Opcode, parsed.Opcode);
            Assert.Equal(5, parsed.Sequence);
        }

        Assert.Equal("""{"op":23,"d":{"transition_id":3}}""", Encoding.UTF8.GetString(DaveJsonCodec.Serialize(new ReadyForTransition(3))));
        Assert.Equal("""{"op":31,"d":{"transition_id":32}}""", Encoding.UTF8.GetString(DaveJsonCodec.Serialize(new InvalidCommitWelcome(32))));
    }

    [Fact]
    public void Json_from_the_gateway_with_extra_members_parses()
    {
        var parsed = DaveJsonCodec.Parse("""{"op":21,"seq":4,"d":{"protocol_version":0,"transition_id":10,"extra":[1,{}]}}""");
        Assert.Equal(new PrepareTransition(10, 0), parsed.Message);
        Assert.Equal(new PrepareEpoch(1, 1), DaveJsonCodec.Parse("""{"op":24,"d":{"protocol_version":1,"epoch":1}}""").Message);
    }

    [Theory]
    [InlineData("")]
    [InlineData("null")]
    [InlineData("[]")]
    [InlineData("{\"op\":22}")]
    [InlineData("{\"d\":{\"transition_id\":1}}")]
    [InlineData("{\"op\":22,\"d\":null}")]
    [InlineData("{\"op\":22,\"d\":{}}")]
    [InlineData("{\"op\":22,\"d\":{\"transition_id\":65536}}")]
    [InlineData("{\"op\":22,\"d\":{\"transition_id\":-1}}")]
    [InlineData("{\"op\":22,\"d\":{\"transition_id\":1.5}}")]
    [InlineData("{\"op\":22,\"d\":{\"transition_id\":\"1\"}}")]
    [InlineData("{\"op\":22,\"d\":{\"transition_id\":true}}")]
    [InlineData("{\"op\":21,\"d\":{\"transition_id\":1}}")]
    [InlineData("{\"op\":24,\"d\":{\"epoch\":-1,\"protocol_version\":1}}")]
    [InlineData("{\"op\":25,\"d\":{}}")]
    [InlineData("{\"op\":256,\"d\":{}}")]
    [InlineData("{\"op\":\"22\",\"d\":{\"transition_id\":1}}")]
    [InlineData("{\"op\":22,\"seq\":\"x\",\"d\":{\"transition_id\":1}}")]
    [InlineData("{\"op\":22,\"d\":{\"transition_id\":1}")]
    [InlineData("{\"op\":22,\"d\":{\"transition_id\":1}} {}")]
    public void Malformed_json_is_a_decode_exception(string json) =>
        Assert.Throws<DaveDecodeException>(() => DaveJsonCodec.Parse(json));

    internal static void AssertRejected(byte[] bytes, bool server)
    {
        var ex = Record.Exception(() =>
        {
            if (server)
            {
                DaveBinaryCodec.ParseServer(bytes);
            }
            else
            {
                DaveBinaryCodec.ParseClient(bytes);
            }
        });
        Assert.IsType<DaveDecodeException>(ex);
    }
}
