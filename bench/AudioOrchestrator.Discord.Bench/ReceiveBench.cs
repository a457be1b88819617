using System.Diagnostics;
using System.Globalization;
using System.Runtime.CompilerServices;
using AudioOrchestrator.Dave.Frames;
using AudioOrchestrator.Discord.Fakes.Voice;
using AudioOrchestrator.Discord.Voice;
using AudioOrchestrator.Discord.Voice.Crypto;
using AudioOrchestrator.Discord.Voice.Udp;

namespace AudioOrchestrator.Discord.Bench;

/// <summary>
/// The allocation-free receive path (transport open + RTP parse + SSRC to user + DAVE decrypt + IVoiceFrameSink),
/// per packet, in-process on one thread. Packets are sealed by the fake relay with the bot session's real key and
/// DAVE-encrypted by a real fake user's session, so every step does its real work.
/// </summary>
internal static class ReceiveBench
{
    public static async Task<double> RunAsync(VoiceEncryptionMode mode, IReadOnlyList<byte[]> opus, int count)
    {
        await using var server = await FakeVoiceServer.StartAsync(new FakeVoiceServerOptions());
        var alice = await server.AddUserAsync(BenchSupport.AliceId);
        await using var bot = new DiscordVoiceConnection(
            new VoiceJoinInfo(BenchSupport.GuildId, server.Options.ChannelId, BenchSupport.BotId, "bench-receive", "bench-token", server.Endpoint),
            new VoiceConnectionOptions { PreferredMode = mode });
        await bot.ConnectAsync();
        await BenchSupport.WaitUntilAsync(() => bot.CanSendAudio && alice.CanSend && bot.Dave!.IsEstablished, "DAVE group with Alice and the bot");
        await server.AnnounceSpeakingAsync(alice);
        await BenchSupport.WaitUntilAsync(() => bot.SsrcToUser.ContainsKey(alice.Ssrc), "op 5 mapping");
        var session = server.Sessions.Single();

        // Every packet is distinct (fresh DAVE nonce, increasing RTP sequence), as on the wire.
        const int warmup = 20_000;
        var packets = new byte[warmup + count][];
        var daveFrame = new byte[DaveFrameEncryptor.MaxOutputSize(opus.Max(f => f.Length))];
        var header = new byte[RtpHeader.FixedLength];
        long bytes = 0;
        for (var i = 0; i < packets.Length; i++)
        {
            var frame = opus[i % opus.Count];
            var result = alice.Session!.Encrypt(frame, daveFrame, out var n);
            if (result != FrameEncryptResult.Encrypted)
            {
                throw new InvalidOperationException($"DAVE encrypt: {result}");
            }

            new RtpHeader((ushort)i, (uint)i * 960, alice.Ssrc).Write(header);
            packets[i] = server.SealForBot(session, header, daveFrame.AsSpan(0, n));
            bytes += packets[i].Length;
        }

        var sink = new CountingSink();
        bot.FrameSink = sink;
        var receiver = ReceiverOf(bot);
        var plain = new byte[VoiceTransportCipher.MaxPacketSize];
        var output = new byte[VoiceTransportCipher.MaxPacketSize];
        // Warm up in two halves with a pause between, so tiered JIT has installed optimised code before timing.
        for (var i = 0; i < warmup / 2; i++)
        {
            receiver.ProcessPacket(packets[i], plain, output);
        }

        await Task.Delay(500);
        for (var i = warmup / 2; i < warmup; i++)
        {
            receiver.ProcessPacket(packets[i], plain, output);
        }

        var before = GC.GetAllocatedBytesForCurrentThread();
        var started = Stopwatch.GetTimestamp();
        for (var i = warmup; i < packets.Length; i++)
        {
            receiver.ProcessPacket(packets[i], plain, output);
        }

        var elapsed = Stopwatch.GetElapsedTime(started);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        if (sink.Count != packets.Length)
        {
            throw new InvalidOperationException($"{mode}: the sink saw {sink.Count} of {packets.Length} frames (DAVE failures {bot.Statistics.DaveDecryptFailures}).");
        }

        var perPacket = elapsed.TotalMicroseconds / count;
        Console.WriteLine(string.Create(
            CultureInfo.InvariantCulture,
            $"receive {mode}: {perPacket:0.000} us/packet over {count} packets, mean packet {(double)bytes / packets.Length:0.0} B, mean opus {sink.Bytes / (double)sink.Count:0.0} B, {allocated} B allocated"));
        return perPacket;
    }

    // The connection's receive path (internal, visible to the bench), driven packet by packet on one thread.
    [UnsafeAccessor(UnsafeAccessorKind.Field, Name = "_receiver")]
    private static extern ref VoiceUdpReceiver ReceiverOf(DiscordVoiceConnection connection);

    private sealed class CountingSink : IVoiceFrameSink
    {
        public int Count { get; private set; }

        public long Bytes { get; private set; }

        public void OnFrame(ulong userId, RtpHeader header, ReadOnlySpan<byte> opus)
        {
            Count++;
            Bytes += opus.Length;
        }
    }
}
