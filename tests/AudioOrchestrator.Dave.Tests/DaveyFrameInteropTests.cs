using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using AudioOrchestrator.Dave.Codec;
using AudioOrchestrator.Dave.Frames;
using AudioOrchestrator.Dave.Session;
using AudioOrchestrator.Mls.Codec;
using AudioOrchestrator.Mls.Messages;
using AudioOrchestrator.Testing;

namespace AudioOrchestrator.Dave.Tests;

/// <summary>
/// DAVE interoperability with npm <c>@snazzah/davey</c> (Rust/OpenMLS, used by discord.js), driven
/// from a small Node script: davey and our <see cref="DaveSession"/>s share one MLS group whose
/// external sender is our test-side voice gateway, and Opus frames are exchanged both ways across
/// three epochs (davey welcomed by our commit, a third member welcomed by davey's commit, that member
/// removed by our commit). The test installs the package with npm into a cache folder under the temp
/// directory on first use; it needs <c>node</c> and <c>npm</c>.
/// </summary>
public sealed class DaveyFrameInteropTests
{
    private const ulong Channel = 5555;
    private const ulong Us = 1000, Davey = 1001, Third = 1002;


    private readonly FakeVoiceGateway _gateway = new();

    [Fact]
    public void Davey_and_we_decrypt_each_others_frames_across_joins_and_leaves()
    {
        using var davey = DaveyDriver.Start("audio-orchestrator-dave-davey");
        var clock = new FakeClock();
        using var us = new DaveSession(Us, Channel, clock);
        us.OnClientsConnect([Davey, Third]);
        us.OnSelectProtocolAck(1);
        us.HandleBinary(_gateway.ExternalSenderPackage());
        davey.Call(new { cmd = "new", userId = Id(Davey), channelId = Id(Channel) });
        davey.Call(new { cmd = "ext", hex = Convert.ToHexString(_gateway.Sender.Serialize()) });
        var daveyKp = TlsCodec.Deserialize<KeyPackage>(Hex(davey.Call(new { cmd = "kp" }), "hex"));

        // Epoch 1: our commit adds davey, who joins from our Welcome.
        var add = _gateway.Append(_gateway.Proposal(us.Group!.GroupId, 0, new AddProposal(daveyKp)));
        var first = FakeVoiceGateway.CommitOf(us.HandleBinary(add));
        us.HandleBinary(_gateway.Announce(1, first.Commit));
        davey.Call(new { cmd = "welcome", hex = Convert.ToHexString(first.Welcome!.Serialize()) });
        us.HandleJson(FakeVoiceGateway.Json(new ExecuteTransition(1)));
        ExchangeFrames(davey, us);

        // Epoch 2: davey's commit adds a third member (ours), welcomed by davey's Welcome.
        using var third = new DaveSession(Third, Channel, clock);
        third.OnClientsConnect([Us, Davey]);
        var kp3 = FakeVoiceGateway.KeyPackageOf(third.OnSelectProtocolAck(1));
        third.HandleBinary(_gateway.ExternalSenderPackage());
        var addThird = _gateway.Append(_gateway.Proposal(us.Group.GroupId, 1, new AddProposal(kp3)));
        us.HandleBinary(addThird);
        var result = davey.Call(new { cmd = "proposals", op = 0, hex = Convert.ToHexString(addThird[4..]), users = new[] { Id(Us), Id(Davey), Id(Third) } });
        var daveyCommit = TlsCodec.Deserialize<MlsMessage>(Hex(result, "commit"));
        Assert.Equal(new ReadyForTransition(2), Assert.Single(us.HandleBinary(_gateway.Announce(2, daveyCommit))).Json);
        davey.Call(new { cmd = "commit", hex = Convert.ToHexString(daveyCommit.Serialize()) });
        var welcome = TlsCodec.Deserialize<Welcome>(Hex(result, "welcome"));
        Assert.Equal(new ReadyForTransition(2), Assert.Single(third.HandleBinary(_gateway.Welcome(2, welcome))).Json);
        us.HandleJson(FakeVoiceGateway.Json(new ExecuteTransition(2)));
        third.HandleJson(FakeVoiceGateway.Json(new ExecuteTransition(2)));
        ExchangeFrames(davey, us, third);
        SessionTests.AssertMedia(us, third);
        SessionTests.AssertMedia(third, us);

        // Epoch 3: our commit removes the third member; davey follows it.
        var leaf = us.Group.Tree.FindLeaf(l => DaveIdentity.UserIdOf(l.Credential) == Third)!.Value;
        var remove = _gateway.Append(_gateway.Proposal(us.Group.GroupId, 2, new RemoveProposal(leaf)));
        var last = FakeVoiceGateway.CommitOf(us.HandleBinary(remove));
        davey.Call(new { cmd = "proposals", op = 0, hex = Convert.ToHexString(remove[4..]), users = new[] { Id(Us), Id(Davey) } });
        us.HandleBinary(_gateway.Announce(3, last.Commit));
        davey.Call(new { cmd = "commit", hex = Convert.ToHexString(last.Commit.Serialize()) });
        us.HandleJson(FakeVoiceGateway.Json(new ExecuteTransition(3)));
        var state = davey.Call(new { cmd = "state" });
        Assert.Equal("3", state.GetProperty("epoch").GetString());
        Assert.Equal([Id(Us), Id(Davey)], state.GetProperty("users").EnumerateArray().Select(u => u.GetString()).Order());
        ExchangeFrames(davey, us);
    }

    private static void ExchangeFrames(NodeScriptProcess davey, params DaveSession[] ours)
    {
        for (var i = 0; i < 20; i++)
        {
            var frame = FrameTests.OpusFrame(40 + (i * 13), i);

            // davey encrypts, we decrypt.
            var fromDavey = Hex(davey.Call(new { cmd = "encrypt", hex = Convert.ToHexString(frame) }), "hex");
            Assert.Equal([0xFA, 0xFA], fromDavey[^2..]);
            foreach (var session in ours)
            {
                var output = new byte[fromDavey.Length];
                var decrypted = session.Decrypt(Davey, fromDavey, output, out var n);
                Assert.True(decrypted == FrameDecryptResult.Decrypted, $"frame {i} from davey at {session.UserId}: {decrypted}");
                Assert.Equal(frame, output[..n]);
            }

            // we encrypt, davey decrypts.
            foreach (var session in ours)
            {
                var encrypted = new byte[DaveFrameEncryptor.MaxOutputSize(frame.Length)];
                Assert.Equal(FrameEncryptResult.Encrypted, session.Encrypt(frame, encrypted, out var n));
                var back = Hex(davey.Call(new { cmd = "decrypt", userId = Id(session.UserId), hex = Convert.ToHexString(encrypted[..n]) }), "hex");
                Assert.Equal(frame, back);
            }
        }
    }

    private static string Id(ulong value) => value.ToString(CultureInfo.InvariantCulture);

    private static byte[] Hex(JsonElement reply, string property) => Convert.FromHexString(reply.GetProperty(property).GetString()!);

}
