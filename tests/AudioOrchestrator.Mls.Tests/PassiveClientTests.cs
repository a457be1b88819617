using System.Text.Json;
using AudioOrchestrator.Mls.Codec;
using AudioOrchestrator.Mls.Crypto;
using AudioOrchestrator.Mls.Group;
using AudioOrchestrator.Mls.Messages;
using AudioOrchestrator.Mls.Schedule;
using AudioOrchestrator.Mls.Tree;

namespace AudioOrchestrator.Mls.Tests;

public sealed class PassiveClientTests
{
    /// <summary>
    /// passive-client-random has a single (suite 1) case of 200 epochs; with the pure C# Curve25519
    /// code it takes ~20 s, so by default its first 40 epochs run (all with <c>MLS_EXHAUSTIVE=1</c>).
    /// </summary>
    [Theory]
    [InlineData("passive-client-welcome.json", 2, 8)]
    [InlineData("passive-client-handling-commit.json", 2, 13)]
    [InlineData("passive-client-welcome.json", 5, 8)]
    [InlineData("passive-client-handling-commit.json", 5, 13)]
    [InlineData("passive-client-welcome.json", 7, 8)]
    [InlineData("passive-client-handling-commit.json", 7, 13)]
    [InlineData("passive-client-welcome.json", 1, 8)]
    [InlineData("passive-client-handling-commit.json", 1, 13)]
    [InlineData("passive-client-welcome.json", 3, 8)]
    [InlineData("passive-client-handling-commit.json", 3, 13)]
    [InlineData("passive-client-random.json", 1, 1)]
    public void PassiveClientVectors(string file, ushort suite, int expected)
    {
        var cases = TestVectors.LoadSuite(file, suite);
        var failures = new List<string>();
        for (var i = 0; i < cases.Count; i++)
        {
            try
            {
                RunCase(cases[i]);
            }
            catch (Exception ex) when (ex is MlsException or Xunit.Sdk.XunitException)
            {
                failures.Add($"case {i}: {ex.Message}");
            }
        }

        Assert.True(failures.Count == 0, string.Join("\n", failures));
        Assert.Equal(expected, cases.Count);
    }

    [Fact]
    public void TamperedOrReplayedCommitsAreRejected()
    {
        var c = TestVectors.LoadSuite("passive-client-handling-commit.json", CipherSuite.P256Aes128Sha256)
            .First(x => x.GetProperty("epochs").GetArrayLength() > 0 && x.GetProperty("epochs")[0].GetProperty("proposals").GetArrayLength() == 0);
        var commitBytes = c.GetProperty("epochs")[0].Hex("commit");
        for (var i = 0; i < 20; i++)
        {
            var group = Join(c);
            var before = group.EpochAuthenticator;
            var tampered = (byte[])commitBytes.Clone();
            tampered[commitBytes.Length - 1 - (i * 7 % (commitBytes.Length / 2))] ^= (byte)(1 << (i % 8));
            Assert.ThrowsAny<MlsException>(() => group.HandleCommit(TlsCodec.Deserialize<MlsMessage>(tampered)));
            Assert.Equal(before, group.EpochAuthenticator);
        }

        var ok = Join(c);
        ok.HandleCommit(TlsCodec.Deserialize<MlsMessage>(commitBytes));
        Assert.Throws<MlsProtocolException>(() => ok.HandleCommit(TlsCodec.Deserialize<MlsMessage>(commitBytes)));
    }

    [Fact]
    public void MutatedHandshakeMessagesOnlyRaiseMlsExceptions()
    {
        var rng = new Random(7);
        var attempts = 0;
        foreach (var c in TestVectors.LoadSuite("passive-client-handling-commit.json", CipherSuite.P256Aes128Sha256).Take(6))
        {
            var group = Join(c);
            var first = c.GetProperty("epochs")[0];
            var proposals = first.GetProperty("proposals").EnumerateArray().Select(p => Convert.FromHexString(p.GetString()!)).ToList();
            var commit = first.Hex("commit");
            foreach (var original in proposals.Append(commit))
            {
                for (var i = 0; i < 300; i++)
                {
                    var mutated = MessagesTests.Mutate(rng, original);
                    if (mutated.AsSpan().SequenceEqual(original))
                    {
                        continue;
                    }

                    try
                    {
                        var message = TlsCodec.Deserialize<MlsMessage>(mutated);
                        if (original == commit)
                        {
                            group.HandleCommit(message);
                        }
                        else
                        {
                            group.HandleProposal(message);
                        }
                    }
                    catch (MlsException)
                    {
                    }

                    attempts++;
                }
            }

            foreach (var p in proposals)
            {
                group.HandleProposal(TlsCodec.Deserialize<MlsMessage>(p));
            }

            group.HandleCommit(TlsCodec.Deserialize<MlsMessage>(commit));
            Assert.Equal(first.Str("epoch_authenticator"), group.EpochAuthenticator.ToHex());
        }

        Assert.True(attempts >= 1500, $"{attempts} attempts");
    }

    private static MlsGroup Join(JsonElement c)
    {
        var keyPackage = TlsCodec.Deserialize<MlsMessage>(c.Hex("key_package")).KeyPackage!;
        var keys = new KeyPackagePrivateKeys(c.Hex("init_priv"), c.Hex("encryption_priv"), c.Hex("signature_priv"));
        var psks = c.GetProperty("external_psks").EnumerateArray().Select(p => (Id: p.Hex("psk_id"), Psk: p.Hex("psk"))).ToList();
        byte[]? Lookup(PreSharedKeyId id) => id.Type == PskType.External ? psks.FirstOrDefault(p => p.Id.AsSpan().SequenceEqual(id.PskId)).Psk : null;
        var treeBytes = c.HexOrNull("ratchet_tree");
        var welcome = TlsCodec.Deserialize<MlsMessage>(c.Hex("welcome")).Welcome!;
        return MlsGroup.Join(welcome, keyPackage, keys, treeBytes is null ? null : RatchetTree.FromBytes(treeBytes), Lookup);
    }

    private static void RunCase(JsonElement c)
    {
        var suite = CipherSuite.Get(c.GetProperty("cipher_suite").GetUInt16());
        var keyPackage = TlsCodec.Deserialize<MlsMessage>(c.Hex("key_package")).KeyPackage!;
        var keys = new KeyPackagePrivateKeys(c.Hex("init_priv"), c.Hex("encryption_priv"), c.Hex("signature_priv"));
        Assert.Equal(keyPackage.InitKey, suite.Kem.PublicKeyOf(keys.InitPrivateKey));
        Assert.Equal(keyPackage.LeafNode.EncryptionKey, suite.Kem.PublicKeyOf(keys.EncryptionPrivateKey));
        Assert.Equal(keyPackage.LeafNode.SignatureKey, suite.SignaturePublicKey(keys.SignaturePrivateKey));

        var group = Join(c);
        Assert.Equal(c.Str("initial_epoch_authenticator"), group.EpochAuthenticator.ToHex());

        var epoch = 0;
        var epochs = c.GetProperty("epochs").EnumerateArray().ToList();
        var limit = c.GetProperty("cipher_suite").GetUInt16() == CipherSuite.P256Aes128Sha256 || TestVectors.Exhaustive ? epochs.Count : 40;
        foreach (var e in epochs.Take(limit))
        {
            foreach (var p in e.GetProperty("proposals").EnumerateArray())
            {
                group.HandleProposal(TlsCodec.Deserialize<MlsMessage>(Convert.FromHexString(p.GetString()!)));
            }

            group.HandleCommit(TlsCodec.Deserialize<MlsMessage>(e.Hex("commit")));
            Assert.True(e.Str("epoch_authenticator") == group.EpochAuthenticator.ToHex(), $"epoch {epoch} authenticator");
            epoch++;
        }
    }
}
