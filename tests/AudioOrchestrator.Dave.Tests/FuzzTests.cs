using System.Text;
using AudioOrchestrator.Dave.Codec;
using AudioOrchestrator.Dave.Frames;
using AudioOrchestrator.Dave.Session;

namespace AudioOrchestrator.Dave.Tests;

/// <summary>
/// Random and mutated inputs for the opcode codecs, the frame decryptor and the session. A few
/// thousand cases normally; <c>DAVE_FUZZ_LONG=1</c> runs a million per target.
/// </summary>
public sealed class FuzzTests
{
    private static readonly bool Long = Environment.GetEnvironmentVariable("DAVE_FUZZ_LONG") == "1";

    private static int Cases(int normal) => Long ? 1_000_000 : normal;

    internal static byte[] Mutate(Random random, byte[] input)
    {
        var data = new List<byte>(input);
        var edits = random.Next(1, 5);
        for (var e = 0; e < edits; e++)
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
                    data.RemoveAt(random.Next(data.Count));
                    break;
                case 4 when data.Count > 0:
                    {
                        var start = random.Next(data.Count);
                        data.RemoveRange(start, random.Next(Math.Min(16, data.Count - start) + 1));
                        break;
                    }

                case 5 when data.Count > 0:
                    {
                        var start = random.Next(data.Count);
                        data.RemoveRange(start, data.Count - start);
                        break;
                    }

                default:
                    var interesting = new byte[] { 0x00, 0x3F, 0x40, 0x7F, 0x80, 0xBF, 0xC0, 0xFA, 0xFF };
                    if (data.Count > 0)
                    {
                        data[random.Next(data.Count)] = interesting[random.Next(interesting.Length)];
                    }

                    break;
            }
        }

        return [.. data];
    }

    [Fact]
    public void Binary_codec_only_ever_raises_decode_exceptions()
    {
        var samples = CodecTests.SampleMessages();
        var random = new Random(20261124);
        for (var i = 0; i < Cases(4000); i++)
        {
            var (bytes, server) = samples[random.Next(samples.Length)];
            var input = random.Next(10) == 0 ? RandomBytes(random, random.Next(64)) : Mutate(random, bytes);
            var ex = Record.Exception(() =>
            {
                if (server)
                {
                    DaveBinaryCodec.ParseServer(input);
                }
                else
                {
                    DaveBinaryCodec.ParseClient(input);
                }
            });
            Assert.True(ex is null or DaveDecodeException, $"case {i}: {ex}");
        }
    }

    [Fact]
    public void Json_codec_only_ever_raises_decode_exceptions()
    {
        var samples = new DaveJsonMessage[]
        {
            new PrepareTransition(10, 0), new ExecuteTransition(10), new PrepareEpoch(1, 1), new InvalidCommitWelcome(3),
        }.Select(m => DaveJsonCodec.Serialize(m, 12)).ToArray();
        var random = new Random(7);
        for (var i = 0; i < Cases(4000); i++)
        {
            var input = Mutate(random, samples[random.Next(samples.Length)]);
            var ex = Record.Exception(() => DaveJsonCodec.Parse(input));
            Assert.True(ex is null or DaveDecodeException, $"case {i} {Encoding.UTF8.GetString(input)}: {ex}");
        }
    }

    [Fact]
    public void Frame_decryptor_never_throws_and_never_accepts_a_forgery()
    {
        using var encryptor = new DaveFrameEncryptor();
        encryptor.SetRatchet(FrameTests.Ratchet());
        using var decryptor = new DaveFrameDecryptor(new FakeClock());
        decryptor.AddRatchet(FrameTests.Ratchet());
        var random = new Random(99);
        var originals = new Dictionary<string, byte[]>();
        var frames = Enumerable.Range(0, 64).Select(i =>
        {
            var plain = FrameTests.OpusFrame(1 + random.Next(200), i);
            var encrypted = FrameTests.Encrypt(encryptor, plain);
            originals[Convert.ToHexString(encrypted)] = plain;
            return encrypted;
        }).ToArray();
        var output = new byte[512];
        for (var i = 0; i < Cases(6000); i++)
        {
            var input = random.Next(8) == 0 ? RandomBytes(random, random.Next(300)) : Mutate(random, frames[random.Next(frames.Length)]);
            if (random.Next(4) == 0 && input.Length > 3)
            {
                input[^1] = 0xFA;
                input[^2] = 0xFA;
            }

            FrameDecryptResult result = default;
            var written = 0;
            var ex = Record.Exception(() => result = decryptor.Decrypt(input, output, out written));
            Assert.True(ex is null, $"case {i}: {ex}");
            if (result == FrameDecryptResult.Decrypted)
            {
                Assert.True(originals.TryGetValue(Convert.ToHexString(input), out var plain), $"case {i}: forged frame accepted");
                Assert.Equal(plain, output[..written]);
            }
        }
    }

    [Fact]
    public void Session_survives_mutated_gateway_messages()
    {
        var gateway = new FakeVoiceGateway();
        using var a = new DaveSession(1, 9, new FakeClock());
        a.OnClientsConnect([2]);
        var kpA = FakeVoiceGateway.KeyPackageOf(a.OnSelectProtocolAck(1));
        a.HandleBinary(gateway.ExternalSenderPackage());
        using var b = new DaveSession(2, 9, new FakeClock());
        b.OnClientsConnect([1]);
        var kpB = FakeVoiceGateway.KeyPackageOf(b.OnSelectProtocolAck(1));
        b.HandleBinary(gateway.ExternalSenderPackage());
        var add = gateway.Append(gateway.Proposal(a.Group!.GroupId, 0, new Mls.Messages.AddProposal(kpB)));
        var commit = FakeVoiceGateway.CommitOf(a.HandleBinary(add));
        byte[][] messages = [add, gateway.Announce(1, commit.Commit), gateway.Welcome(1, commit.Welcome!), gateway.ExternalSenderPackage()];
        var random = new Random(5);
        for (var i = 0; i < (Long ? 20_000 : 300); i++)
        {
            var input = Mutate(random, messages[random.Next(messages.Length)]);
            var target = random.Next(2) == 0 ? a : b;
            var ex = Record.Exception(() => target.HandleBinary(input));
            Assert.True(ex is null, $"case {i}: {ex}");
        }

        Assert.NotNull(kpA);
    }

    private static byte[] RandomBytes(Random random, int length)
    {
        var bytes = new byte[length];
        random.NextBytes(bytes);
        return bytes;
    }
}
