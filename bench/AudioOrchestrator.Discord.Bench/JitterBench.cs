using System.Diagnostics;
using System.Globalization;
using System.Threading.Channels;
using AudioOrchestrator.Discord.Fakes.Voice;
using AudioOrchestrator.Discord.Voice;

namespace AudioOrchestrator.Discord.Bench;

/// <summary>
/// <see cref="DiscordVoiceConnection.PlayAsync(System.Threading.Channels.ChannelReader{ReadOnlyMemory{byte}}, CancellationToken)"/> of N queued frames through the fake relay to a fake user; the user's
/// frames are time-stamped on a dedicated thread as they come out of its receive channel. Deviation of frame i =
/// arrival(i) − 20 ms·i, minus the median of those (the constant path latency); the figure is |deviation| p99.
/// Optionally one thread spins at full speed throughout (the machine has 2 cores).
/// </summary>
internal static class JitterBench
{
    public static async Task<JitterFigures> RunAsync(IReadOnlyList<byte[]> opus, int frames, bool load)
    {
        await using var server = await FakeVoiceServer.StartAsync(new FakeVoiceServerOptions());
        var alice = await server.AddUserAsync(BenchSupport.AliceId);
        await using var bot = new DiscordVoiceConnection(
            new VoiceJoinInfo(BenchSupport.GuildId, server.Options.ChannelId, BenchSupport.BotId, "bench-send", "bench-token", server.Endpoint));
        await bot.ConnectAsync();
        await BenchSupport.WaitUntilAsync(() => bot.CanSendAudio && alice.CanSend && bot.Dave!.IsEstablished, "DAVE group with Alice and the bot");

        var total = frames + 5; // PlayAsync appends five silence frames when the reader completes
        var arrivals = new long[total];
        var sequences = new ushort[total];
        var receiver = new Thread(() =>
        {
            for (var i = 0; i < total; i++)
            {
                if (!alice.Received.TryRead(out var frame))
                {
                    if (!alice.Received.WaitToReadAsync().AsTask().WaitAsync(BenchSupport.Timeout).GetAwaiter().GetResult())
                    {
                        return;
                    }

                    i--;
                    continue;
                }

                arrivals[i] = Stopwatch.GetTimestamp();
                sequences[i] = frame.Sequence;
            }
        })
        { IsBackground = true, Name = "jitter receiver" };
        receiver.Start();

        using var stopLoad = new CancellationTokenSource();
        var loader = new Thread(() =>
        {
            var x = 1UL;
            while (!stopLoad.IsCancellationRequested)
            {
                for (var k = 0; k < 10_000; k++)
                {
                    x = (x * 6364136223846793005UL) + 1442695040888963407UL;
                }
            }

            GC.KeepAlive(x);
        })
        { IsBackground = true, Name = "cpu load" };
        if (load)
        {
            loader.Start();
        }

        var channel = Channel.CreateUnbounded<ReadOnlyMemory<byte>>();
        for (var i = 0; i < frames; i++)
        {
            channel.Writer.TryWrite(opus[i % opus.Count]);
        }

        channel.Writer.Complete();
        await bot.PlayAsync(channel.Reader);
        if (!receiver.Join(BenchSupport.Timeout))
        {
            throw new TimeoutException("the fake user did not receive every frame");
        }

        await stopLoad.CancelAsync();
        if (load)
        {
            loader.Join();
        }

        // Index by RTP sequence so a dropped packet does not shift the schedule.
        List<double> offsets = [];
        for (var i = 0; i < total; i++)
        {
            var index = (ushort)(sequences[i] - sequences[0]);
            offsets.Add((Stopwatch.GetElapsedTime(arrivals[0], arrivals[i]).TotalMilliseconds) - (20.0 * index));
        }

        var median = BenchSupport.Percentile(offsets, 50);
        var deviations = offsets.Select(o => Math.Abs(o - median)).ToList();
        var gaps = Enumerable.Range(1, total - 1).Select(i => Stopwatch.GetElapsedTime(arrivals[i - 1], arrivals[i]).TotalMilliseconds).ToList();
        var sendSide = bot.Statistics;
        var result = new JitterFigures(
            sendSide.SendLatenessPercentile(50).TotalMilliseconds,
            sendSide.SendLatenessPercentile(99).TotalMilliseconds,
            sendSide.MaxSendLateness.TotalMilliseconds,
            BenchSupport.Percentile(deviations, 50),
            BenchSupport.Percentile(deviations, 99),
            deviations.Max());
        Console.WriteLine(string.Create(
            CultureInfo.InvariantCulture,
            $"send pacing {(load ? "with" : "without")} a spinning thread: {total} frames; at the sender (wake-up vs schedule) p50 {result.SendP50:0.0} p99 {result.SendP99:0.0} max {result.SendMax:0.000} ms; at the user after the relay |deviation| p50 {result.ArrivalP50:0.000} p99 {result.ArrivalP99:0.000} max {result.ArrivalMax:0.000} ms; inter-arrival min {gaps.Min():0.00} max {gaps.Max():0.00} ms; user rejected {alice.Rejected}"));
        return result;
    }
}

/// <summary>Send pacing deviation in ms: at the sender (its own wake-up vs the schedule, 0.1 ms buckets) and as arrivals at the fake user.</summary>
internal sealed record JitterFigures(double SendP50, double SendP99, double SendMax, double ArrivalP50, double ArrivalP99, double ArrivalMax);
