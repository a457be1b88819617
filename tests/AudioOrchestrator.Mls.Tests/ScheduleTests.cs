using AudioOrchestrator.Mls.Codec;
using AudioOrchestrator.Mls.Crypto;
using AudioOrchestrator.Mls.Messages;
using AudioOrchestrator.Mls.Schedule;

namespace AudioOrchestrator.Mls.Tests;

public sealed class ScheduleTests
{
    [Fact]
    public void SecretTreeVectors()
    {
        var run = 0;
        foreach (var c in TestVectors.Load("secret-tree.json").Where(Supported))
        {
            var suite = CipherSuite.Get(c.GetProperty("cipher_suite").GetUInt16());
            var sd = c.GetProperty("sender_data");
            var (key, nonce) = SecretTree.SenderDataKeys(suite, sd.Hex("sender_data_secret"), sd.Hex("ciphertext"));
            Assert.Equal(sd.Str("key"), key.ToHex());
            Assert.Equal(sd.Str("nonce"), nonce.ToHex());

            var leaves = c.GetProperty("leaves").EnumerateArray().ToList();
            var tree = new SecretTree(suite, c.Hex("encryption_secret"), (uint)leaves.Count);
            for (var i = 0; i < leaves.Count; i++)
            {
                foreach (var g in leaves[i].EnumerateArray())
                {
                    var gen = g.U32("generation");
                    var hs = tree.Ratchet((uint)i, RatchetKind.Handshake).Get(gen);
                    var app = tree.Ratchet((uint)i, RatchetKind.Application).Get(gen);
                    Assert.Equal(g.Str("handshake_key"), hs.Key.ToHex());
                    Assert.Equal(g.Str("handshake_nonce"), hs.Nonce.ToHex());
                    Assert.Equal(g.Str("application_key"), app.Key.ToHex());
                    Assert.Equal(g.Str("application_nonce"), app.Nonce.ToHex());
                }
            }

            run++;
        }

        Assert.Equal(15, run);
        TestVectors.LoadSuite("secret-tree.json", CipherSuite.P256Aes128Sha256);
    }

    [Fact]
    public void HashRatchetHandsOutEachKeyOnce()
    {
        var suite = CipherSuite.Get(2);
        var tree = new SecretTree(suite, new byte[32], 2);
        var r = tree.Ratchet(1, RatchetKind.Application);
        var k5 = r.Get(5);
        Assert.Equal(5u, k5.Generation);
        Assert.Equal(2u, r.Get(2).Generation);
        Assert.Throws<MlsProtocolException>(() => r.Get(2));
        Assert.Throws<MlsProtocolException>(() => r.Get(5));
        Assert.Throws<MlsProtocolException>(() => r.Get(10_000));
        var sender = new SecretTree(suite, new byte[32], 2).Ratchet(1, RatchetKind.Application);
        for (var i = 0; i < 5; i++)
        {
            sender.Next();
        }

        Assert.Equal(k5.Key, sender.Next().Key);
    }

    [Fact]
    public void KeyScheduleVectors()
    {
        var run = 0;
        foreach (var c in TestVectors.Load("key-schedule.json").Where(Supported))
        {
            var id = c.GetProperty("cipher_suite").GetUInt16();
            var suite = CipherSuite.Get(id);
            var groupId = c.Hex("group_id");
            var init = c.Hex("initial_init_secret");
            ulong epoch = 0;
            foreach (var e in c.GetProperty("epochs").EnumerateArray())
            {
                var ctx = new GroupContext(id, groupId, epoch, e.Hex("tree_hash"), e.Hex("confirmed_transcript_hash"), []).Serialize();
                Assert.Equal(e.Str("group_context"), ctx.ToHex());
                var s = KeySchedule.Advance(suite, init, e.Hex("commit_secret"), e.Hex("psk_secret"), ctx);
                Assert.Equal(e.Str("joiner_secret"), s.JoinerSecret.ToHex());
                Assert.Equal(e.Str("welcome_secret"), s.WelcomeSecret.ToHex());
                Assert.Equal(e.Str("welcome_secret"), KeySchedule.WelcomeSecret(suite, s.JoinerSecret, e.Hex("psk_secret")).ToHex());
                Assert.Equal(e.Str("init_secret"), s.InitSecret.ToHex());
                Assert.Equal(e.Str("sender_data_secret"), s.SenderDataSecret.ToHex());
                Assert.Equal(e.Str("encryption_secret"), s.EncryptionSecret.ToHex());
                Assert.Equal(e.Str("exporter_secret"), s.ExporterSecret.ToHex());
                Assert.Equal(e.Str("epoch_authenticator"), s.EpochAuthenticator.ToHex());
                Assert.Equal(e.Str("external_secret"), s.ExternalSecret.ToHex());
                Assert.Equal(e.Str("confirmation_key"), s.ConfirmationKey.ToHex());
                Assert.Equal(e.Str("membership_key"), s.MembershipKey.ToHex());
                Assert.Equal(e.Str("resumption_psk"), s.ResumptionPsk.ToHex());
                Assert.Equal(e.Str("external_pub"), KeySchedule.ExternalPublicKey(suite, s.ExternalSecret).ToHex());
                var x = e.GetProperty("exporter");
                Assert.Equal(x.Str("secret"), KeySchedule.Export(suite, s.ExporterSecret, x.Str("label"), x.Hex("context"), x.GetProperty("length").GetInt32()).ToHex());
                init = s.InitSecret;
                epoch++;
            }

            run++;
        }

        Assert.Equal(5, run);
        TestVectors.LoadSuite("key-schedule.json", CipherSuite.P256Aes128Sha256);
    }

    [Fact]
    public void PskSecretVectors()
    {
        var run = 0;
        foreach (var c in TestVectors.Load("psk_secret.json").Where(Supported))
        {
            var suite = CipherSuite.Get(c.GetProperty("cipher_suite").GetUInt16());
            var psks = c.GetProperty("psks").EnumerateArray()
                .Select(p => (PreSharedKeyId.External(p.Hex("psk_id"), p.Hex("psk_nonce")), p.Hex("psk")))
                .ToList();
            Assert.Equal(c.Str("psk_secret"), PreSharedKeys.PskSecret(suite, psks).ToHex());
            run++;
        }

        Assert.Equal(55, run);
        TestVectors.LoadSuite("psk_secret.json", CipherSuite.P256Aes128Sha256);
    }

    [Fact]
    public void StringExporterMatchesBinaryLabel()
    {
        var suite = CipherSuite.Get(2);
        var secret = new byte[32];
        Assert.Equal(
            KeySchedule.Export(suite, secret, "Discord Secure Frames v0", [1, 2], 16),
            KeySchedule.Export(suite, secret, "Discord Secure Frames v0"u8, [1, 2], 16));
    }

    private static bool Supported(System.Text.Json.JsonElement c) => CipherSuite.IsSupported(c.GetProperty("cipher_suite").GetUInt16());
}
