using System.Diagnostics;
using System.Globalization;
using AudioOrchestrator.Discord.Fakes;
using AudioOrchestrator.Discord.Fakes.Voice;
using AudioOrchestrator.Discord.Gateway;
using AudioOrchestrator.Discord.Voice;
using Microsoft.Extensions.Logging.Abstractions;

namespace AudioOrchestrator.Discord.Bench;

/// <summary>
/// Op 4 sent on the fake main gateway → VOICE_STATE_UPDATE + VOICE_SERVER_UPDATE → voice WebSocket handshake, UDP IP
/// discovery, Session Description → DAVE group with a user already in the channel (our sender key installed, the user's
/// key usable). A fresh fake gateway, voice server and user per join; their start-up is not timed.
/// </summary>
internal static class JoinBench
{
    public static async Task<(double Median, double Max)> RunAsync(int joins)
    {
        // One untimed warm-up join (JIT, sockets, Kestrel).
        await JoinOnceAsync();
        List<double> times = [];
        for (var i = 0; i < joins; i++)
        {
            var ms = await JoinOnceAsync();
            times.Add(ms);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"join {i + 1}: {ms:0.0} ms"));
        }

        return (BenchSupport.Percentile(times, 50), times.Max());
    }

    private static async Task<double> JoinOnceAsync()
    {
        await using var voice = await FakeVoiceServer.StartAsync(new FakeVoiceServerOptions());
        var fakeOptions = new FakeDiscordOptions
        {
            HeartbeatIntervalMs = 5_000,
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
            ConnectTimeout = TimeSpan.FromSeconds(5),
        };
        await using var client = new DiscordGatewayClient(new ShardInfo(0, 1), fake.GatewayUrl, Microsoft.Extensions.Options.Options.Create(options), NullLogger<DiscordGatewayClient>.Instance);
        TaskCompletionSource<VoiceState> state = new(TaskCreationOptions.RunContinuationsAsynchronously);
        TaskCompletionSource<VoiceServerUpdate> server = new(TaskCreationOptions.RunContinuationsAsynchronously);
        client.VoiceStateUpdated += (_, e) =>
        {
            if (e.UserId == BenchSupport.BotId)
            {
                state.TrySetResult(e);
            }
        };
        client.VoiceServerUpdated += (_, e) => server.TrySetResult(e);
        await client.StartAsync(CancellationToken.None);
        using (var timeout = new CancellationTokenSource(BenchSupport.Timeout))
        {
            await client.WaitUntilReadyAsync(timeout.Token);
        }

        // The voice server checks no token here: the fake gateway issues its own.
        voice.Options.Token = null;
        var alice = await voice.AddUserAsync(BenchSupport.AliceId);

        var clock = Stopwatch.StartNew();
        await client.UpdateVoiceStateAsync(BenchSupport.GuildId, voice.Options.ChannelId, false, false, CancellationToken.None);
        var s = await state.Task.WaitAsync(BenchSupport.Timeout);
        var v = await server.Task.WaitAsync(BenchSupport.Timeout);
        await using var bot = new DiscordVoiceConnection(new VoiceJoinInfo(BenchSupport.GuildId, s.ChannelId!.Value, BenchSupport.BotId, s.SessionId, v.Token, v.Endpoint!));
        await bot.ConnectAsync();
        await BenchSupport.WaitUntilAsync(() => bot.CanSendAudio && alice.CanSend && bot.Dave!.IsEstablished, "DAVE ready");
        return clock.Elapsed.TotalMilliseconds;
    }
}
