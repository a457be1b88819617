using System.Text.Json;
using AudioOrchestrator.Mls.Codec;
using AudioOrchestrator.Mls.Crypto;
using AudioOrchestrator.Mls.Messages;
using AudioOrchestrator.Mls.Tree;

namespace AudioOrchestrator.Mls.Tests;

public sealed class TreeKemTests
{
    /// <summary>
    /// Every case of suites 2, 5 and 7. For suite 2 we also create our own UpdatePath and check
    /// that every other member decrypts it; P-384/P-521 are ten times slower, so that
    /// extra round is limited to suite 2, and only the first four cases of the other suites run
    /// unless <c>MLS_EXHAUSTIVE=1</c>.
    /// </summary>
    [Theory]
    [InlineData((ushort)2)]
    [InlineData((ushort)5)]
    [InlineData((ushort)7)]
    [InlineData((ushort)1)]
    [InlineData((ushort)3)]
    public void TreeKemVectors(ushort suite)
    {
        var cases = TestVectors.LoadSuite("treekem.json", suite);
        var full = suite == CipherSuite.P256Aes128Sha256 || TestVectors.Exhaustive;
        foreach (var c in full ? cases : cases.Take(4))
        {
            RunCase(c, createOwnPath: suite == CipherSuite.P256Aes128Sha256);
        }

        Assert.Equal(11, cases.Count);
    }

    private static void RunCase(JsonElement c, bool createOwnPath)
    {
        var id = c.GetProperty("cipher_suite").GetUInt16();
        var suite = CipherSuite.Get(id);
        var groupId = c.Hex("group_id");
        var epoch = c.U64("epoch");
        var cth = c.Hex("confirmed_transcript_hash");
        var tree = RatchetTree.FromBytes(c.Hex("ratchet_tree"));
        byte[] ContextFor(byte[] treeHash) => new GroupContext(id, groupId, epoch, treeHash, cth, []).Serialize();

        var privates = new Dictionary<uint, TreePrivateKeys>();
        var signers = new Dictionary<uint, byte[]>();
        foreach (var lp in c.GetProperty("leaves_private").EnumerateArray())
        {
            var index = lp.U32("index");
            var keys = new TreePrivateKeys(index, lp.Hex("encryption_priv"));
            foreach (var ps in lp.GetProperty("path_secrets").EnumerateArray())
            {
                keys.SetPathSecret(suite, ps.U32("node"), ps.Hex("path_secret"));
            }

            Assert.True(keys.IsConsistentWith(suite, tree), $"private state of leaf {index}");
            privates[index] = keys;
            signers[index] = lp.Hex("signature_priv");
        }

        foreach (var up in c.GetProperty("update_paths").EnumerateArray())
        {
            var sender = up.U32("sender");
            var path = TlsCodec.Deserialize<UpdatePath>(up.Hex("update_path"));
            var expectedSecrets = up.GetProperty("path_secrets").EnumerateArray().ToList();

            var merged = tree.Clone();
            TreeKem.Merge(suite, merged, sender, path, groupId);
            Assert.Equal(up.Str("tree_hash_after"), merged.TreeHash(suite).ToHex());
            Assert.True(merged.VerifyParentHashes(suite));
            var context = ContextFor(merged.TreeHash(suite));

            foreach (var j in tree.OccupiedLeaves().Where(j => j != sender))
            {
                var keys = privates[j].Clone();
                var result = TreeKem.Decrypt(suite, merged, sender, path, keys, context);
                Assert.Equal(expectedSecrets[(int)j].GetString(), result.PathSecret.ToHex());
                Assert.Equal(up.Str("commit_secret"), result.CommitSecret.ToHex());
                Assert.True(keys.IsConsistentWith(suite, merged));
            }

            if (!createOwnPath)
            {
                continue;
            }

            // Our own UpdatePath from the same sender must be decryptable by everyone else.
            var mine = tree.Clone();
            var created = TreeKem.Create(suite, mine, sender, tree.GetLeaf(sender)!, signers[sender], groupId, ContextFor);
            Assert.True(mine.VerifyParentHashes(suite));
            Assert.True(created.PrivateKeys.IsConsistentWith(suite, mine));
            var reparsed = TlsCodec.Deserialize<UpdatePath>(created.Path.Serialize());
            var theirs = tree.Clone();
            TreeKem.Merge(suite, theirs, sender, reparsed, groupId);
            Assert.Equal(mine.Serialize(), theirs.Serialize());
            var theirContext = ContextFor(theirs.TreeHash(suite));
            foreach (var j in tree.OccupiedLeaves().Where(j => j != sender))
            {
                var result = TreeKem.Decrypt(suite, theirs, sender, reparsed, privates[j].Clone(), theirContext);
                Assert.Equal(created.CommitSecret, result.CommitSecret);
            }
        }
    }
}
