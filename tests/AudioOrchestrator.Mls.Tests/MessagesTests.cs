using AudioOrchestrator.Mls.Codec;
using AudioOrchestrator.Mls.Crypto;
using AudioOrchestrator.Mls.Messages;
using AudioOrchestrator.Mls.Schedule;
using AudioOrchestrator.Mls.Tree;

namespace AudioOrchestrator.Mls.Tests;

public sealed class MessagesTests
{
    private static readonly (string Field, Func<byte[], byte[]> RoundTrip)[] Fields =
    [
        ("mls_welcome", b => RoundTrip<MlsMessage>(b, m => m.WireFormat == WireFormat.Welcome)),
        ("mls_group_info", b => RoundTrip<MlsMessage>(b, m => m.WireFormat == WireFormat.GroupInfo)),
        ("mls_key_package", b => RoundTrip<MlsMessage>(b, m => m.WireFormat == WireFormat.KeyPackage)),
        ("ratchet_tree", b => TlsCodec.Serialize(w => w.WriteVector(TlsCodec.Deserialize(b, r => r.ReadVector(x => x.ReadOptional(Node.Decode))), (x, n) => x.WriteOptional(n, (y, v) => v.Encode(y))))),
        ("group_secrets", b => RoundTrip<GroupSecrets>(b)),
        ("add_proposal", b => TlsCodec.Serialize(w => new AddProposal(TlsCodec.Deserialize<KeyPackage>(b)).EncodeBody(w))),
        ("update_proposal", b => TlsCodec.Serialize(w => new UpdateProposal(TlsCodec.Deserialize<LeafNode>(b)).EncodeBody(w))),
        ("remove_proposal", b => TlsCodec.Serialize(w => new RemoveProposal(TlsCodec.Deserialize(b, r => r.ReadUInt32())).EncodeBody(w))),
        ("pre_shared_key_proposal", b => RoundTrip<PreSharedKeyId>(b)),
        ("re_init_proposal", b => TlsCodec.Serialize(w => TlsCodec.Deserialize(b, r => Proposal.Decode(PrefixReader(ProposalType.ReInit, r))).EncodeBody(w))),
        ("external_init_proposal", b => TlsCodec.Serialize(w => new ExternalInitProposal(TlsCodec.Deserialize(b, r => r.ReadOpaque())).EncodeBody(w))),
        ("group_context_extensions_proposal", b => TlsCodec.Serialize(w => new GroupContextExtensionsProposal(TlsCodec.Deserialize(b, Extension.DecodeList)).EncodeBody(w))),
        ("commit", b => RoundTrip<Commit>(b)),
        ("public_message_application", b => RoundTrip<MlsMessage>(b, m => m.PublicMessage?.Content.ContentType == ContentType.Application)),
        ("public_message_proposal", b => RoundTrip<MlsMessage>(b, m => m.PublicMessage?.Content.ContentType == ContentType.Proposal)),
        ("public_message_commit", b => RoundTrip<MlsMessage>(b, m => m.PublicMessage?.Content.ContentType == ContentType.Commit)),
        ("private_message", b => RoundTrip<MlsMessage>(b, m => m.WireFormat == WireFormat.PrivateMessage)),
    ];

    [Fact]
    public void MessagesVectorsRoundTrip()
    {
        var cases = TestVectors.Load("messages.json");
        foreach (var c in cases)
        {
            foreach (var (field, roundTrip) in Fields)
            {
                var bytes = c.Hex(field);
                Assert.True(bytes.AsSpan().SequenceEqual(roundTrip(bytes)), $"{field} did not round-trip");
            }
        }

        Assert.Equal(300, cases.Count);
    }

    [Fact]
    public void MutatedMessagesOnlyThrowDecodeException()
    {
        var cases = TestVectors.Load("messages.json");
        var rng = new Random(42);
        var runs = 0;
        foreach (var c in cases.Take(40))
        {
            foreach (var field in new[] { "mls_welcome", "mls_group_info", "mls_key_package", "public_message_commit", "private_message", "commit", "ratchet_tree" })
            {
                var original = c.Hex(field);
                for (var i = 0; i < 15; i++)
                {
                    var mutated = Mutate(rng, original);
                    try
                    {
                        if (field == "commit")
                        {
                            TlsCodec.Deserialize<Commit>(mutated);
                        }
                        else if (field == "ratchet_tree")
                        {
                            TlsCodec.Deserialize(mutated, r => r.ReadVector(x => x.ReadOptional(Node.Decode)));
                        }
                        else
                        {
                            TlsCodec.Deserialize<MlsMessage>(mutated);
                        }
                    }
                    catch (MlsDecodeException)
                    {
                    }

                    runs++;
                }
            }
        }

        Assert.True(runs >= 4000);
    }

    [Fact]
    public void TranscriptHashVectors()
    {
        var run = 0;
        foreach (var c in TestVectors.Load("transcript-hashes.json").Where(c => CipherSuite.IsSupported(c.GetProperty("cipher_suite").GetUInt16())))
        {
            var suite = CipherSuite.Get(c.GetProperty("cipher_suite").GetUInt16());
            var content = TlsCodec.Deserialize<AuthenticatedContent>(c.Hex("authenticated_content"));
            Assert.Equal(ContentType.Commit, content.Content.ContentType);
            Assert.Equal(content.Auth.ConfirmationTag, TranscriptHashes.ConfirmationTag(suite, c.Hex("confirmation_key"), c.Hex("confirmed_transcript_hash_after")));
            var hashes = TranscriptHashes.Update(suite, c.Hex("interim_transcript_hash_before"), content);
            Assert.Equal(c.Str("confirmed_transcript_hash_after"), hashes.Confirmed.ToHex());
            Assert.Equal(c.Str("interim_transcript_hash_after"), hashes.Interim.ToHex());
            run++;
        }

        Assert.Equal(5, run);
        TestVectors.LoadSuite("transcript-hashes.json", CipherSuite.P256Aes128Sha256);
    }

    internal static byte[] Mutate(Random rng, byte[] original)
    {
        var bytes = (byte[])original.Clone();
        switch (rng.Next(4))
        {
            case 0:
                return bytes[..rng.Next(bytes.Length)];
            case 1:
                for (var k = 0; k < 1 + rng.Next(4); k++)
                {
                    bytes[rng.Next(bytes.Length)] ^= (byte)(1 << rng.Next(8));
                }

                return bytes;
            case 2:
                bytes[rng.Next(bytes.Length)] = (byte)rng.Next(256);
                return bytes;
            default:
                var extra = new byte[rng.Next(1, 8)];
                rng.NextBytes(extra);
                var at = rng.Next(bytes.Length);
                return [.. bytes[..at], .. extra, .. bytes[at..]];
        }
    }

    private static byte[] RoundTrip<T>(byte[] bytes, Func<T, bool>? check = null)
        where T : ITlsEncodable, ITlsDecodable<T>
    {
        var value = TlsCodec.Deserialize<T>(bytes);
        Assert.True(check?.Invoke(value) ?? true, $"{typeof(T).Name} has unexpected content");
        return value.Serialize();
    }

    private static TlsReader PrefixReader(ProposalType type, TlsReader body)
    {
        var rest = body.ReadRemaining();
        return new TlsReader(TlsCodec.Serialize(w =>
        {
            w.WriteUInt16((ushort)type);
            w.Write(rest);
        }));
    }
}
