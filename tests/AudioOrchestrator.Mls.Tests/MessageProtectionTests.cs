using System.Text.Json;
using AudioOrchestrator.Mls.Codec;
using AudioOrchestrator.Mls.Crypto;
using AudioOrchestrator.Mls.Messages;
using AudioOrchestrator.Mls.Schedule;

namespace AudioOrchestrator.Mls.Tests;

public sealed class MessageProtectionTests
{
    [Fact]
    public void MessageProtectionVectors()
    {
        var run = 0;
        foreach (var c in TestVectors.Load("message-protection.json").Where(c => CipherSuite.IsSupported(c.GetProperty("cipher_suite").GetUInt16())))
        {
            var id = c.GetProperty("cipher_suite").GetUInt16();
            var suite = CipherSuite.Get(id);
            var ctx = new GroupContext(id, c.Hex("group_id"), c.U64("epoch"), c.Hex("tree_hash"), c.Hex("confirmed_transcript_hash"), []);
            var sigPriv = c.Hex("signature_priv");
            var sigPub = c.Hex("signature_pub");
            var membershipKey = c.Hex("membership_key");

            // Proposal and commit as PublicMessage.
            foreach (var kind in new[] { "proposal", "commit" })
            {
                var raw = c.Hex(kind);
                var pub = TlsCodec.Deserialize<MlsMessage>(c.Hex(kind + "_pub")).PublicMessage!;
                var verified = PublicMessageFraming.Verify(suite, pub, sigPub, ctx, membershipKey);
                Assert.Equal(raw, Body(verified.Content));

                var content = Content(c, kind, raw);
                var tag = kind == "commit" ? new byte[suite.HashLength] : null;
                var mine = PublicMessageFraming.Protect(suite, sigPriv, content, ctx, membershipKey, tag);
                var reparsed = TlsCodec.Deserialize<MlsMessage>(new MlsMessage(WireFormat.PublicMessage, PublicMessage: mine).Serialize()).PublicMessage!;
                Assert.Equal(raw, Body(PublicMessageFraming.Verify(suite, reparsed, sigPub, ctx, membershipKey).Content));
                Assert.Throws<MlsProtocolException>(() => PublicMessageFraming.Verify(suite, reparsed, sigPub, ctx, new byte[membershipKey.Length]));
                var badSig = (byte[])reparsed.Auth.Signature.Clone();
                badSig[^1] ^= 1;
                var forged = reparsed with { Auth = reparsed.Auth with { Signature = badSig } };
                forged = forged with { MembershipTag = PublicMessageFraming.MembershipTag(suite, membershipKey, forged.Content, forged.Auth, ctx) };
                Assert.Throws<MlsProtocolException>(() => PublicMessageFraming.Verify(suite, forged, sigPub, ctx, membershipKey));

                // PrivateMessage.
                var priv = TlsCodec.Deserialize<MlsMessage>(c.Hex(kind + "_priv")).PrivateMessage!;
                var tree = new SecretTree(suite, c.Hex("encryption_secret"), 2);
                var opened = PrivateMessageFraming.Unprotect(suite, priv, ctx, tree, c.Hex("sender_data_secret"), _ => sigPub);
                Assert.Equal(raw, Body(opened.Content));
                AssertPrivateRoundTrip(suite, c, ctx, content, tag, raw);
            }

            // Application data: never as PublicMessage; PrivateMessage works.
            var app = c.Hex("application");
            var appContent = Content(c, "application", app);
            Assert.Throws<MlsProtocolException>(() => PublicMessageFraming.Protect(suite, sigPriv, appContent, ctx, membershipKey));
            var appPriv = TlsCodec.Deserialize<MlsMessage>(c.Hex("application_priv")).PrivateMessage!;
            var appTree = new SecretTree(suite, c.Hex("encryption_secret"), 2);
            Assert.Equal(app, PrivateMessageFraming.Unprotect(suite, appPriv, ctx, appTree, c.Hex("sender_data_secret"), _ => sigPub).Content.ApplicationData);
            AssertPrivateRoundTrip(suite, c, ctx, appContent, null, app);
            run++;
        }

        Assert.Equal(5, run);
        TestVectors.LoadSuite("message-protection.json", CipherSuite.P256Aes128Sha256);
    }

    private static void AssertPrivateRoundTrip(CipherSuite suite, JsonElement c, GroupContext ctx, FramedContent content, byte[]? tag, byte[] raw)
    {
        var sendTree = new SecretTree(suite, c.Hex("encryption_secret"), 2);
        var recvTree = new SecretTree(suite, c.Hex("encryption_secret"), 2);
        var message = PrivateMessageFraming.Protect(suite, c.Hex("signature_priv"), content, ctx, sendTree, c.Hex("sender_data_secret"), tag, paddingLength: 7);
        var reparsed = TlsCodec.Deserialize<MlsMessage>(new MlsMessage(WireFormat.PrivateMessage, PrivateMessage: message).Serialize()).PrivateMessage!;
        var opened = PrivateMessageFraming.Unprotect(suite, reparsed, ctx, recvTree, c.Hex("sender_data_secret"), _ => c.Hex("signature_pub"));
        Assert.Equal(raw, Body(opened.Content));
        Assert.Throws<MlsProtocolException>(() => PrivateMessageFraming.Unprotect(suite, reparsed, ctx, recvTree, c.Hex("sender_data_secret"), _ => c.Hex("signature_pub")));
    }

    private static FramedContent Content(JsonElement c, string kind, byte[] raw) => kind switch
    {
        "proposal" => new FramedContent(c.Hex("group_id"), c.U64("epoch"), Sender.Member(1), [], ContentType.Proposal, null, TlsCodec.Deserialize<Proposal>(raw), null),
        "commit" => new FramedContent(c.Hex("group_id"), c.U64("epoch"), Sender.Member(1), [], ContentType.Commit, null, null, TlsCodec.Deserialize<Commit>(raw)),
        _ => new FramedContent(c.Hex("group_id"), c.U64("epoch"), Sender.Member(1), [], ContentType.Application, raw, null, null),
    };

    private static byte[] Body(FramedContent content) => content.ContentType switch
    {
        ContentType.Proposal => content.Proposal!.Serialize(),
        ContentType.Commit => content.Commit!.Serialize(),
        _ => content.ApplicationData!,
    };
}
