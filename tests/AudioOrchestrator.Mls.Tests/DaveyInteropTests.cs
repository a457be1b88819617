using System.Buffers.Binary;
using System.Diagnostics;
using System.Text.Json;
using AudioOrchestrator.Mls.Codec;
using AudioOrchestrator.Mls.Crypto;
using AudioOrchestrator.Mls.Group;
using AudioOrchestrator.Mls.Messages;
using AudioOrchestrator.Testing;

namespace AudioOrchestrator.Mls.Tests;

/// <summary>
/// Interoperability with an independent MLS implementation: npm <c>@snazzah/davey</c> (Rust/OpenMLS,
/// used by discord.js), driven through a small Node script. The test installs the package with npm
/// into a cache folder under the temp directory on first use; it needs <c>node</c> and <c>npm</c>.
/// </summary>
public sealed class DaveyInteropTests
{

    private static readonly CipherSuite Suite = CipherSuite.Get(CipherSuite.P256Aes128Sha256);

    [Fact]
    public void DaveyAndWeAcceptEachOthersCommitsAndWelcomes()
    {
        using var davey = DaveyDriver.Start("audio-orchestrator-davey");
        const ulong channel = 5555;
        var (extPriv, extPub) = Suite.GenerateSignatureKeyPair();
        var externalSender = new ExternalSender(extPub, Credential.Basic(Be64(42)));
        davey.Call(new { cmd = "new", userId = "1001", channelId = channel.ToString(System.Globalization.CultureInfo.InvariantCulture) });
        davey.Call(new { cmd = "ext", hex = externalSender.Serialize().ToHex() });

        var (kp0, keys0) = KeyPackageFactory.Create(Suite, Credential.Basic(Be64(1000)), Suite.GenerateSignatureKeyPair().PrivateKey);
        var us = MlsGroup.Create(Be64(channel), kp0, keys0, [ExternalSender.ToExtension([externalSender])]);

        // davey joins through our commit and Welcome.
        var daveyKp = TlsCodec.Deserialize<KeyPackage>(Convert.FromHexString(davey.Call(new { cmd = "kp" }).GetProperty("hex").GetString()!));
        us.HandleProposal(ExternalProposal(us, extPriv, new AddProposal(daveyKp)));
        var first = us.CreateCommit();
        us.HandleCommit(TlsCodec.Deserialize<MlsMessage>(first.Commit.Serialize()));
        davey.Call(new { cmd = "welcome", hex = first.Welcome!.Welcome!.Serialize().ToHex() });
        AssertAgree(davey, 1, us);

        // davey commits the addition of a third member, who joins from davey's Welcome.
        var (kp2, keys2) = KeyPackageFactory.Create(Suite, Credential.Basic(Be64(1002)), Suite.GenerateSignatureKeyPair().PrivateKey);
        var addThird = ExternalProposal(us, extPriv, new AddProposal(kp2));
        us.HandleProposal(addThird);
        var result = davey.Call(new { cmd = "proposals", op = 0, hex = Payload(addThird).ToHex(), users = new[] { "1000", "1001", "1002" } });
        var daveyCommit = result.GetProperty("commit").GetString()!;
        us.HandleCommit(TlsCodec.Deserialize<MlsMessage>(Convert.FromHexString(daveyCommit)));
        davey.Call(new { cmd = "commit", hex = daveyCommit });
        var third = MlsGroup.Join(TlsCodec.Deserialize<Welcome>(Convert.FromHexString(result.GetProperty("welcome").GetString()!)), kp2, keys2);
        AssertAgree(davey, 2, us, third);

        // We commit the removal of the third member; davey follows.
        var remove = ExternalProposal(us, extPriv, new RemoveProposal(third.OwnLeaf));
        us.HandleProposal(remove);
        third.HandleProposal(remove);
        // davey answers with a competing commit of its own; the gateway announces ours instead.
        Assert.NotNull(davey.Call(new { cmd = "proposals", op = 0, hex = Payload(remove).ToHex(), users = new[] { "1000", "1001" } }).GetProperty("commit").GetString());
        var last = us.CreateCommit();
        us.HandleCommit(last.Commit);
        third.HandleCommit(last.Commit);
        davey.Call(new { cmd = "commit", hex = last.Commit.Serialize().ToHex() });
        Assert.False(third.IsMember);
        var state = AssertAgree(davey, 3, us);
        Assert.Equal(["1000", "1001"], state.GetProperty("users").EnumerateArray().Select(u => u.GetString()).Order());
    }

    private static JsonElement AssertAgree(NodeScriptProcess davey, ulong epoch, params MlsGroup[] ours)
    {
        var state = davey.Call(new { cmd = "state" });
        Assert.Equal(epoch.ToString(System.Globalization.CultureInfo.InvariantCulture), state.GetProperty("epoch").GetString());
        foreach (var g in ours)
        {
            Assert.Equal(epoch, g.Epoch);
            Assert.Equal(state.GetProperty("auth").GetString(), g.EpochAuthenticator.ToHex());
        }

        return state;
    }

    private static MlsMessage ExternalProposal(MlsGroup group, byte[] signaturePrivateKey, Proposal proposal)
    {
        var content = new FramedContent(group.GroupId, group.Epoch, Sender.External(0), [], ContentType.Proposal, null, proposal, null);
        return new MlsMessage(WireFormat.PublicMessage, PublicMessage: PublicMessageFraming.Protect(Suite, signaturePrivateKey, content, null, null));
    }

    /// <summary>The append payload of DAVE opcode 27: <c>MLSMessage proposal_messages&lt;V&gt;</c>.</summary>
    private static byte[] Payload(params MlsMessage[] messages) => TlsCodec.Serialize(w => w.WriteVector(messages, (x, m) => m.Encode(x)));

    private static byte[] Be64(ulong value)
    {
        var bytes = new byte[8];
        BinaryPrimitives.WriteUInt64BigEndian(bytes, value);
        return bytes;
    }

}
