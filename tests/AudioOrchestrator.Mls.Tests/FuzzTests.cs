using System.Diagnostics;
using AudioOrchestrator.Mls.Codec;
using AudioOrchestrator.Mls.Crypto;
using AudioOrchestrator.Mls.Group;
using AudioOrchestrator.Mls.Messages;
using AudioOrchestrator.Mls.Tree;

namespace AudioOrchestrator.Mls.Tests;

/// <summary>
/// Random and mutated inputs for the TLS presentation-language codec, the MLS message parsers (seeded with every
/// message of the official <c>messages.json</c> vectors and with DAVE-shaped messages) and the group's processing of
/// proposals, commits and welcomes. Parsers may only raise <see cref="MlsDecodeException"/>, and what they accept must
/// re-encode to the same bytes; processing may only raise <see cref="MlsException"/>, accepts no altered message and
/// loses nothing (the untouched message still applies afterwards). A few ten thousand cases normally;
/// <c>MLS_FUZZ_LONG=1</c> runs a million per parser target (and 100,000 processing cases).
/// </summary>
public sealed class FuzzTests
{
    private static readonly bool Long = Environment.GetEnvironmentVariable("MLS_FUZZ_LONG") == "1";
    private static readonly CipherSuite Suite = CipherSuite.Get(CipherSuite.P256Aes128Sha256);

    private static int Cases(int normal, int longRun = 1_000_000) => Long ? longRun : normal;

    [Fact]
    public void Tls_codec_raises_only_decode_exceptions_and_accepts_only_canonical_encodings()
    {
        byte[][] seeds =
        [
            Structure([[1, 2, 3], null, []], 7, [1, 0x4000, uint.MaxValue]),
            Structure([new byte[70], new byte[16_400]], 0xFFFF, []),
            Structure([], 0, [5]),
        ];
        var random = new Random(20261124);
        var accepted = 0;
        var clock = Stopwatch.StartNew();
        for (var i = 0; i < Cases(30_000); i++)
        {
            var input = random.Next(8) == 0 ? RandomBytes(random, random.Next(40)) : Mutator.Mutate(random, seeds[random.Next(seeds.Length)]);
            byte[]? again = null;
            var ex = Record.Exception(() =>
            {
                var (items, tag, numbers) = TlsCodec.Deserialize(input, ReadStructure);
                again = Structure(items, tag, numbers);
            });
            if (ex is not (null or MlsDecodeException))
            {
                Assert.Fail($"case {i} {Convert.ToHexString(input)}: {ex}");
            }

            if (ex is null)
            {
                accepted++;
                Assert.Equal(input, again);
            }
        }

        Report("tls codec", clock, Cases(30_000), accepted);
        Assert.True(accepted > 0, "some mutations stay well-formed, so the canonical re-encoding is checked");
    }

    [Fact]
    public void Mls_message_parsers_raise_only_decode_exceptions_and_re_encode_what_they_accept()
    {
        var seeds = ParserSeeds();
        var random = new Random(9420);
        var accepted = 0;
        var clock = Stopwatch.StartNew();
        for (var i = 0; i < Cases(30_000); i++)
        {
            var (name, bytes, parse) = seeds[random.Next(seeds.Count)];
            var input = random.Next(16) == 0 ? RandomBytes(random, random.Next(200)) : Mutator.Mutate(random, bytes);
            byte[]? again = null;
            var ex = Record.Exception(() => again = parse(input));
            if (ex is not (null or MlsDecodeException))
            {
                Assert.Fail($"case {i} ({name}) {Convert.ToHexString(input)}: {ex}");
            }

            if (ex is null)
            {
                accepted++;
                if (!input.AsSpan().SequenceEqual(again))
                {
                    Assert.Fail($"case {i} ({name}): accepted {Convert.ToHexString(input)} but re-encodes as {Convert.ToHexString(again!)}");
                }
            }
        }

        Report("mls parsers", clock, Cases(30_000), accepted);
        Assert.True(accepted > 0, "some mutations stay well-formed, so the canonical re-encoding is checked");
    }

    [Fact]
    public void Altered_proposals_commits_and_welcomes_are_refused_and_the_group_loses_nothing()
    {
        var (extPriv, extPub) = Suite.GenerateSignatureKeyPair();
        var external = ExternalSender.ToExtension([new ExternalSender(extPub, Credential.Basic([0xEE]))]);
        var (aliceKp, aliceKeys) = NewKeyPackage(1);
        var alice = MlsGroup.Create([9], aliceKp, aliceKeys, [external]);
        var (bobKp, bobKeys) = NewKeyPackage(2);
        var addBob = ExternalProposal(alice, extPriv, new AddProposal(bobKp));
        var addBobBytes = addBob.Serialize();
        var random = new Random(31);
        var cases = Cases(1_500, 100_000);
        var clock = Stopwatch.StartNew();
        var processed = 0;

        // Proposals: altered external Add proposals are refused; the genuine one is cached afterwards.
        for (var i = 0; i < cases / 3; i++)
        {
            processed += AssertRefused(i, addBobBytes, Mutator.Mutate(random, addBobBytes), m => alice.HandleProposal(m));
        }

        Assert.Empty(alice.CachedProposals);
        alice.HandleProposal(addBob);
        var output = alice.CreateCommit();
        alice.HandleCommit(output.Commit);

        // Welcomes: altered ones do not join; the genuine one does.
        var welcomeBytes = output.Welcome!.Welcome!.Serialize();
        for (var i = 0; i < cases / 3; i++)
        {
            processed += AssertRefused(i, welcomeBytes, Mutator.Mutate(random, welcomeBytes), w => MlsGroup.Join(w, bobKp, bobKeys), TlsCodec.Deserialize<Welcome>);
        }

        var bob = MlsGroup.Join(output.Welcome.Welcome!, bobKp, bobKeys);

        // Commits: bob's commit with an UpdatePath, altered, never moves alice; the genuine one does.
        var update = bob.CreateCommit();
        var commitBytes = update.Commit.Serialize();
        for (var i = 0; i < cases / 3; i++)
        {
            processed += AssertRefused(i, commitBytes, Mutator.Mutate(random, commitBytes), m => alice.HandleCommit(m));
            Assert.Equal(1ul, alice.Epoch);
        }

        alice.HandleCommit(update.Commit);
        bob.MergePendingCommit();
        Assert.Equal(2ul, alice.Epoch);
        Assert.Equal(bob.EpochAuthenticator, alice.EpochAuthenticator);
        TestContext.Current.SendDiagnosticMessage($"group processing: {cases} altered proposals, welcomes and commits ({(Long ? "MLS_FUZZ_LONG" : "normal")}), {processed} parsed and refused by the group, {clock.Elapsed.TotalSeconds:0.0} s");
        Assert.True(processed > 0, "some altered messages reach the group's checks");
    }

    /// <summary>An altered message must not parse, or parse and be refused with an <see cref="MlsException"/>.</summary>
    private static int AssertRefused<T>(int i, byte[] original, byte[] altered, Action<T> process, Func<ReadOnlyMemory<byte>, T> parse)
    {
        T message;
        try
        {
            message = parse(altered);
        }
        catch (MlsDecodeException)
        {
            return 0;
        }

        if (altered.AsSpan().SequenceEqual(original))
        {
            return 0;
        }

        var ex = Record.Exception(() => process(message));
        if (ex is not MlsException)
        {
            Assert.Fail($"case {i}: altered {typeof(T).Name} {(ex is null ? "was accepted" : "raised " + ex)}");
        }

        return 1;
    }

    private static int AssertRefused(int i, byte[] original, byte[] altered, Action<MlsMessage> process) =>
        AssertRefused(i, original, altered, process, TlsCodec.Deserialize<MlsMessage>);

    /// <summary>Every message kind of the official vectors, plus the DAVE wire shapes (bare key package and welcome, external proposal, commit).</summary>
    private static List<(string Name, byte[] Bytes, Func<byte[], byte[]> Parse)> ParserSeeds()
    {
        Func<byte[], byte[]> message = b => TlsCodec.Deserialize<MlsMessage>(b).Serialize();
        Func<byte[], byte[]> tree = b => TlsCodec.Serialize(w => w.WriteVector(
            TlsCodec.Deserialize(b, r => r.ReadVector(x => x.ReadOptional(Node.Decode))),
            (x, n) => x.WriteOptional(n, (y, v) => v.Encode(y))));
        var parsers = new Dictionary<string, Func<byte[], byte[]>>
        {
            ["mls_welcome"] = message,
            ["mls_group_info"] = message,
            ["mls_key_package"] = message,
            ["public_message_application"] = message,
            ["public_message_proposal"] = message,
            ["public_message_commit"] = message,
            ["private_message"] = message,
            ["ratchet_tree"] = tree,
            ["group_secrets"] = b => TlsCodec.Deserialize<GroupSecrets>(b).Serialize(),
            ["commit"] = b => TlsCodec.Deserialize<Commit>(b).Serialize(),
            ["add_proposal"] = b => TlsCodec.Deserialize<KeyPackage>(b).Serialize(),
            ["update_proposal"] = b => TlsCodec.Deserialize<LeafNode>(b).Serialize(),
        };
        var seeds = new List<(string, byte[], Func<byte[], byte[]>)>();
        foreach (var c in TestVectors.Load("messages.json").Take(Long ? 300 : 30))
        {
            seeds.AddRange(parsers.Select(p => (p.Key, c.Hex(p.Key), p.Value)));
        }

        var (extPriv, extPub) = Suite.GenerateSignatureKeyPair();
        var (kp0, keys0) = NewKeyPackage(1);
        var group = MlsGroup.Create([7], kp0, keys0, [ExternalSender.ToExtension([new ExternalSender(extPub, Credential.Basic([0xEE]))])]);
        var (kp1, _) = NewKeyPackage(2);
        var proposal = ExternalProposal(group, extPriv, new AddProposal(kp1));
        group.HandleProposal(proposal);
        var output = group.CreateCommit();
        seeds.Add(("dave key package", kp1.Serialize(), b => TlsCodec.Deserialize<KeyPackage>(b).Serialize()));
        seeds.Add(("dave welcome", output.Welcome!.Welcome!.Serialize(), b => TlsCodec.Deserialize<Welcome>(b).Serialize()));
        seeds.Add(("dave external proposal", proposal.Serialize(), message));
        seeds.Add(("dave commit", output.Commit.Serialize(), message));
        Assert.True(seeds.Count >= 4 + 30 * parsers.Count, "every vector kind seeds the fuzzer");
        return seeds;
    }

    private static (IReadOnlyList<byte[]?> Items, ushort Tag, IReadOnlyList<uint> Numbers) ReadStructure(TlsReader reader) =>
        (reader.ReadVector(x => x.ReadOptional(y => y.ReadOpaque())), reader.ReadUInt16(), reader.ReadVector(x => x.ReadUInt32()));

    private static byte[] Structure(IReadOnlyList<byte[]?> items, ushort tag, IReadOnlyList<uint> numbers) => TlsCodec.Serialize(w =>
    {
        w.WriteVector(items, (x, item) => x.WriteOptional(item, (y, v) => y.WriteOpaque(v)));
        w.WriteUInt16(tag);
        w.WriteVector(numbers, (x, n) => x.WriteUInt32(n));
    });

    private static MlsMessage ExternalProposal(MlsGroup group, byte[] signaturePrivateKey, Proposal proposal)
    {
        var content = new FramedContent(group.GroupId, group.Epoch, Sender.External(0), [], ContentType.Proposal, null, proposal, null);
        return new MlsMessage(WireFormat.PublicMessage, PublicMessage: PublicMessageFraming.Protect(Suite, signaturePrivateKey, content, null, null));
    }

    private static (KeyPackage, KeyPackagePrivateKeys) NewKeyPackage(ulong user)
    {
        var identity = new byte[8];
        System.Buffers.Binary.BinaryPrimitives.WriteUInt64BigEndian(identity, user);
        return KeyPackageFactory.Create(Suite, Credential.Basic(identity), Suite.GenerateSignatureKeyPair().PrivateKey);
    }

    private static byte[] RandomBytes(Random random, int length)
    {
        var bytes = new byte[length];
        random.NextBytes(bytes);
        return bytes;
    }

    private static void Report(string target, Stopwatch clock, int cases, int accepted) =>
        TestContext.Current.SendDiagnosticMessage($"{target}: {cases} cases ({(Long ? "MLS_FUZZ_LONG" : "normal")}), {accepted} parsed, {clock.Elapsed.TotalSeconds:0.0} s");
}

/// <summary>Byte-level mutations: bit flips, random and boundary bytes (vector-length prefixes), insertions, deletions, duplicated slices, truncation.</summary>
internal static class Mutator
{
    private static readonly byte[] Interesting = [0x00, 0x01, 0x3F, 0x40, 0x7F, 0x80, 0xBF, 0xC0, 0xFE, 0xFF];

    public static byte[] Mutate(Random random, byte[] input)
    {
        var data = new List<byte>(input);
        for (var e = random.Next(1, 5); e > 0; e--)
        {
            switch (random.Next(7))
            {
                case 0 when data.Count > 0:
                    data[random.Next(data.Count)] ^= (byte)(1 << random.Next(8));
                    break;
                case 1 when data.Count > 0:
                    data[random.Next(data.Count)] = (byte)random.Next(256);
                    break;
                case 2:
                    data.Insert(random.Next(data.Count + 1), (byte)random.Next(256));
                    break;
                case 3 when data.Count > 0:
                    {
                        var start = random.Next(data.Count);
                        data.RemoveRange(start, random.Next(Math.Min(16, data.Count - start) + 1));
                        break;
                    }

                case 4 when data.Count > 0:
                    {
                        // Duplicate a slice somewhere else (repeated vector items, shifted length prefixes).
                        var start = random.Next(data.Count);
                        var slice = data.GetRange(start, random.Next(1, Math.Min(32, data.Count - start) + 1));
                        data.InsertRange(random.Next(data.Count + 1), slice);
                        break;
                    }
                case 5 when data.Count > 0:
                    {
                        var start = random.Next(data.Count);
                        data.RemoveRange(start, data.Count - start);
                        break;
                    }

                default:
                    if (data.Count > 0)
                    {
                        data[random.Next(data.Count)] = Interesting[random.Next(Interesting.Length)];
                    }

                    break;
            }
        }

        return [.. data];
    }
}
