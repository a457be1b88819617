using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using AudioOrchestrator.Discord.Fakes;
using AudioOrchestrator.Discord.Fakes.Chaos;
using AudioOrchestrator.Discord.Fakes.Voice;
using AudioOrchestrator.Discord.Guilds;
using AudioOrchestrator.Discord.Voice;
using AudioOrchestrator.Discord.Voice.Udp;
using Microsoft.Extensions.Logging.Abstractions;

namespace AudioOrchestrator.Discord.Bench;

/// <summary>
/// Discord chaos: the service's Discord client stack (gateway shard manager, guild voice manager, voice connections
/// with DAVE, the frame sink the ingress plugs in) in one guild where a simulated user talks without pause, against the
/// fake Discord in chaos mode (a disruption every <c>meanInterval</c> on average, every kind drawn with a fixed seed).
/// Per disruption: whether it was recovered as the protocol asks, and the time from the disruption to the user's first
/// frame received again. An answer is produced every 2 s; one that finds the voice connection down is what the service
/// hands to the text fallback.
/// </summary>
internal static class ChaosBench
{
    private const int HeartbeatMs = 5000;
    private static readonly TimeSpan AnswerEvery = TimeSpan.FromSeconds(2);

    public static async Task<ChaosFigures> RunAsync(TimeSpan duration, TimeSpan meanInterval, IReadOnlyList<byte[]> opus)
    {
        await using var voice = await FakeVoiceServer.StartAsync(new FakeVoiceServerOptions { HeartbeatIntervalMs = HeartbeatMs });
        var fakeOptions = new FakeDiscordOptions
        {
            HeartbeatIntervalMs = HeartbeatMs,
            IdentifyWindow = TimeSpan.FromMilliseconds(100),
            VoiceEndpoint = voice.Endpoint,
            BotUserId = BenchSupport.BotId,
        };
        fakeOptions.Guilds.Add(new FakeGuild(BenchSupport.GuildId, "bench guild", []));
        await using var fake = await FakeDiscordServer.StartAsync(fakeOptions);
        var options = new DiscordOptions
        {
            Token = fake.Options.Token,
            ApiBaseUrl = fake.ApiBaseUrl,
            GatewayUrl = fake.GatewayUrl,
            ShardCount = 1,
            MaxConcurrency = 1,
            IdentifyWindow = TimeSpan.FromMilliseconds(150),
            ReconnectBaseDelay = TimeSpan.FromMilliseconds(50),
            ReconnectMaxDelay = TimeSpan.FromMilliseconds(500),
        };
        await using var shards = new DiscordShardManager(Microsoft.Extensions.Options.Options.Create(options), NullLoggerFactory.Instance);
        await using var manager = new GuildVoiceManager(shards, Microsoft.Extensions.Options.Options.Create(new GuildVoiceOptions { RejoinDelay = TimeSpan.FromMilliseconds(100) }), NullLoggerFactory.Instance);
        var sink = new TimingSink();
        manager.FrameSinkFactory = _ => sink;
        await shards.StartAsync(CancellationToken.None);
        using (var ready = new CancellationTokenSource(BenchSupport.Timeout))
        {
            await shards.WaitUntilReadyAsync(ready.Token);
        }

        await BenchSupport.WaitUntilAsync(() => manager.IsKnownGuild(BenchSupport.GuildId), "GUILD_CREATE");
        var alice = await voice.AddUserAsync(BenchSupport.AliceId);
        using (var join = new CancellationTokenSource(BenchSupport.Timeout))
        {
            await manager.JoinAsync(BenchSupport.GuildId, voice.Options.ChannelId, join.Token);
        }

        await BenchSupport.WaitUntilAsync(() => manager.GetConnection(BenchSupport.GuildId) is { CanSendAudio: true } && alice.CanSend, "DAVE keys");
        await voice.AnnounceSpeakingAsync(alice);
        await BenchSupport.WaitUntilAsync(() => sink.Frames > 0 || manager.GetConnection(BenchSupport.GuildId)!.SsrcToUser.ContainsKey(alice.Ssrc), "op 5 mapping");

        using var stop = new CancellationTokenSource();
        var talking = Task.Run(() => TalkAsync(alice, opus, stop.Token), CancellationToken.None);
        var fallbacks = 0;
        var answers = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                await Task.Delay(AnswerEvery, CancellationToken.None);
                if (manager.GetConnection(BenchSupport.GuildId) is null)
                {
                    Interlocked.Increment(ref fallbacks);
                }
            }
        }, CancellationToken.None);

        var chaosOptions = new FakeChaosOptions
        {
            Seed = 14,
            MeanInterval = meanInterval,
            GatewayHeartbeatInterval = TimeSpan.FromMilliseconds(HeartbeatMs),
            VoiceHeartbeatInterval = TimeSpan.FromMilliseconds(HeartbeatMs),
            BotUserId = BenchSupport.BotId,
        };
        await using var chaos = new FakeDiscordChaos(fake, () => [voice], chaosOptions);
        chaos.Start();
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < duration)
        {
            await Task.Delay(TimeSpan.FromSeconds(30) < duration - clock.Elapsed ? TimeSpan.FromSeconds(30) : duration - clock.Elapsed);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"chaos {clock.Elapsed.TotalMinutes:0.0} min: {chaos.Disruptions.Count} disruptions, {sink.Frames} frames received"));
        }

        await chaos.StopAsync();

        // The audio of the last disruption may still be on its way.
        var last = chaos.Disruptions.Count > 0 ? chaos.Disruptions[^1].Timestamp : 0;
        var settle = Stopwatch.StartNew();
        while (sink.FirstAfter(last) is null && settle.Elapsed < TimeSpan.FromSeconds(30))
        {
            await Task.Delay(10);
        }

        await stop.CancelAsync();
        await talking.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        await answers.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);

        List<double> audioBack = [];
        List<double> audioBackKeptSession = [];
        var all = chaos.Disruptions;
        for (var i = 0; i < all.Count; i++)
        {
            var d = all[i];
            var back = sink.AudioBack(d.Timestamp, i + 1 < all.Count ? all[i + 1].Timestamp : long.MaxValue) is { } t ? t.TotalMilliseconds : double.NaN;
            audioBack.Add(back);
            if (!d.Kind.EndsGatewaySession())
            {
                audioBackKeptSession.Add(back);
            }

            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{d}, recovered in {d.RecoveryTime?.TotalMilliseconds ?? double.NaN:0} ms, audio back in {back:0} ms"));
        }

        var measured = audioBack.Where(double.IsFinite).ToList();
        var measuredKept = audioBackKeptSession.Where(double.IsFinite).ToList();
        var disruptions = chaos.Disruptions;
        return new ChaosFigures(
            disruptions.Count,
            disruptions.Count == 0 ? 1 : disruptions.Count(d => d.Recovered) / (double)disruptions.Count,
            measured.Count == 0 ? double.NaN : BenchSupport.Percentile(measured, 50),
            measured.Count == 0 ? double.NaN : BenchSupport.Percentile(measured, 95),
            measured.Count == 0 ? double.NaN : measured.Max(),
            measuredKept.Count == 0 ? double.NaN : BenchSupport.Percentile(measuredKept, 95),
            audioBack.Count - measured.Count,
            Volatile.Read(ref fallbacks),
            shards.Shards[0].Statistics.Resumes,
            fake.Identifies.Count - 1);
    }

    /// <summary>Sends one frame per 20 ms (absolute deadlines) until stopped, as a user talking without pause.</summary>
    private static async Task TalkAsync(FakeVoiceUser user, IReadOnlyList<byte[]> opus, CancellationToken stop)
    {
        var clock = Stopwatch.StartNew();
        for (var i = 0L; !stop.IsCancellationRequested; i++)
        {
            var wait = TimeSpan.FromMilliseconds(20 * i) - clock.Elapsed;
            if (wait > TimeSpan.Zero)
            {
                await Task.Delay(wait, stop).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }

            await user.SendOpusAsync(opus[(int)(i % opus.Count)]);
        }
    }

    /// <summary>Arrival times of the frames, as the service's receiver would see them.</summary>
    private sealed class TimingSink : IVoiceFrameSink
    {
        private static readonly TimeSpan InterruptionGap = TimeSpan.FromMilliseconds(200);
        private static readonly TimeSpan GapStartWindow = TimeSpan.FromSeconds(1);

        private readonly ConcurrentQueue<long> _arrivals = new();

        public long Frames => _arrivals.Count;

        public void OnFrame(ulong userId, RtpHeader header, ReadOnlySpan<byte> opus)
        {
            if (userId == BenchSupport.AliceId)
            {
                _arrivals.Enqueue(Stopwatch.GetTimestamp());
            }
        }

        /// <summary>
        /// Time from a disruption at <paramref name="from"/> to the user's audio being back. Every disruption that cuts
        /// audio does so at once (the fake ends the voice session or the socket when it strikes), so a gap in the
        /// received frames longer than <see cref="InterruptionGap"/> that starts within <see cref="GapStartWindow"/> of
        /// the disruption is its interruption, and audio is back at the gap's end; without one, audio was never
        /// interrupted and is "back" with the first frame after the disruption. Null when no frame arrived before
        /// <paramref name="until"/>.
        /// </summary>
        public TimeSpan? AudioBack(long from, long until)
        {
            var previous = from;
            long? first = null;
            foreach (var t in _arrivals)
            {
                if (t <= from)
                {
                    continue;
                }

                if (t >= until)
                {
                    break;
                }

                first ??= t;
                if (Stopwatch.GetElapsedTime(from, previous) > GapStartWindow)
                {
                    break;
                }

                if (Stopwatch.GetElapsedTime(previous, t) > InterruptionGap)
                {
                    return Stopwatch.GetElapsedTime(from, t);
                }

                previous = t;
            }

            return first is { } f ? Stopwatch.GetElapsedTime(from, f) : null;
        }

        public long? FirstAfter(long timestamp)
        {
            foreach (var t in _arrivals)
            {
                if (t > timestamp)
                {
                    return t;
                }
            }

            return null;
        }
    }
}

/// <summary>The chaos figures.</summary>
internal sealed record ChaosFigures(
    int Disruptions,
    double ResumedRatio,
    double AudioBackP50,
    double AudioBackP95,
    double AudioBackMax,
    double AudioBackP95KeptSession,
    int AudioNeverBack,
    int TextFallbacks,
    long GatewayResumes,
    int NewGatewaySessions);
