using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using AudioOrchestrator.Audio;
using AudioOrchestrator.Contracts;
using AudioOrchestrator.Discord.Fakes.Chaos;
using AudioOrchestrator.Discord.Guilds;
using AudioOrchestrator.Ingress.Discord;
using AudioOrchestrator.Ingress.Tests.Guilds;
using AudioOrchestrator.Ingress.Tests.Support;
using AudioOrchestrator.Testing;

namespace AudioOrchestrator.Ingress.Tests.Discord;

/// <summary>
/// The real service (tone engines) against the fake Discord in chaos mode: gateway and voice sockets dropped and
/// closed, Reconnect, Invalid Session, calls moved to another voice server, heartbeat ACKs delayed, while a simulated
/// user keeps asking. Every disruption must be recovered from as the protocol asks, audio must reach the service
/// again after each, turns must be answered, and an answer produced while voice is down must reach the text channel.
/// </summary>
[Collection(nameof(VoiceSocketCollection))]
public sealed class DiscordChaosTests
{
    private const ulong Guild = 81_000_000_000_000_301;
    private const ulong Channel = 700_000_000_000_000_301;
    private const ulong TextChannel = 600_000_000_000_000_301;
    private const ulong Alice = 500_000_000_000_000_301;
    private const int HeartbeatMs = 2500;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static IReadOnlyList<byte[]> Question() =>
        OpusPacketizer.Encode(TestAudio.Concat(TestAudio.Tone(440, 800, 48000), TestAudio.Silence(200, 48000)), channels: 2);

    private static FakeChaosOptions ChaosOptions(TimeSpan mean) => new()
    {
        Seed = 14,
        MeanInterval = mean,
        GatewayHeartbeatInterval = TimeSpan.FromMilliseconds(HeartbeatMs),
        VoiceHeartbeatInterval = TimeSpan.FromMilliseconds(HeartbeatMs),
        BotUserId = FakeDiscord.BotId,
    };

    private static async Task<DiscordService> StartAsync(string moveTimeout = "00:00:10", string invalidSessionMinDelay = "00:00:00.100", string invalidSessionMaxDelay = "00:00:00.500")
    {
        var service = await DiscordService.StartAsync(
            [Guild],
            toneEngines: true,
            new Dictionary<string, string?>
            {
                [$"Discord:FallbackTextChannels:{Guild}"] = TextChannel.ToString(CultureInfo.InvariantCulture),
                ["Discord:Voice:MoveTimeout"] = moveTimeout,
                ["Discord:InvalidSessionMinDelay"] = invalidSessionMinDelay,
                ["Discord:InvalidSessionMaxDelay"] = invalidSessionMaxDelay,
            },
            gatewayHeartbeatMs: HeartbeatMs);
        service.Discord.VoiceHeartbeatIntervalMs = HeartbeatMs;
        return service;
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_new_gateway_session_ends_voice_with_4014_and_the_bot_joins_its_channel_again_on_the_new_session(bool readyAfterMoveTimeout)
    {
        // Discord asks for 1-5 s before identifying after op 9: the new session may come after the wait for a move is over.
        await using var service = readyAfterMoveTimeout
            ? await StartAsync(moveTimeout: "00:00:00.300", invalidSessionMinDelay: "00:00:02", invalidSessionMaxDelay: "00:00:02")
            : await StartAsync();
        await VoiceUsers.JoinAsync(service, Guild, Channel, Ct);
        var alice = await VoiceUsers.AddSpeakerAsync(service, Guild, Channel, Alice);
        await using var chaos = new FakeDiscordChaos(service.Discord.Gateway, () => service.Discord.VoiceServers, ChaosOptions(TimeSpan.FromSeconds(30)));

        // Invalid Session (not resumable): Discord drops the bot's voice with the session (4014) and sends no voice events.
        var disruption = await chaos.DisruptAsync(FakeChaosKind.GatewayInvalidSessionNew);
        Assert.NotNull(disruption);
        await FakeDiscordChaos.WaitForOutcomeAsync(disruption, Ct);

        Assert.Equal("identified", disruption.Outcome);
        Assert.Equal(2, service.Discord.Gateway.Identifies.Count);
        Assert.Equal(2, service.Discord.Gateway.VoiceStateRequests.Count(r => r.GuildId == Guild && r.ChannelId == Channel));
        await TestWait.UntilAsync(() => service.Voice.GetSnapshot(Guild) is { State: GuildVoiceState.Connected, ChannelId: Channel }, "connected again");

        // She is heard and answered on the new voice session.
        await VoiceUsers.SpeakAsync(alice, Question(), Ct);
        var answer = await VoiceUsers.HearAnswerAsync(alice, TimeSpan.FromSeconds(60), TimeSpan.FromSeconds(1.5), Ct);
        Assert.NotEmpty(answer);

        // The guild was never given up (which would drop its player and leave the rejoin to the channel keeper).
        Assert.DoesNotContain("voice given up", service.Logs.AllText, StringComparison.Ordinal);
        Assert.DoesNotContain("voice released", service.Logs.AllText, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_minute_of_chaos_every_disruption_is_recovered_audio_comes_back_turns_are_answered_and_an_answer_while_voice_is_down_goes_to_text()
    {
        await using var service = await StartAsync();
        await VoiceUsers.JoinAsync(service, Guild, Channel, Ct);
        var alice = await VoiceUsers.AddSpeakerAsync(service, Guild, Channel, Alice);

        // Audio received by the service: every increase of the frames published to the speakers' streams, timed.
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        var published = new ConcurrentQueue<long>();
        var watcher = Task.Run(async () =>
        {
            var last = service.Metrics.TotalPublished;
            while (!stop.IsCancellationRequested)
            {
                var now = service.Metrics.TotalPublished;
                if (now != last)
                {
                    published.Enqueue(Stopwatch.GetTimestamp());
                    last = now;
                }

                await Task.Delay(5, CancellationToken.None);
            }
        }, CancellationToken.None);

        // She keeps asking, and listens to each answer (a lost answer times out: the next question follows).
        var heard = 0;
        var speaker = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                await VoiceUsers.SpeakAsync(alice, Question(), stop.Token);
                try
                {
                    await VoiceUsers.HearAnswerAsync(alice, TimeSpan.FromSeconds(8), TimeSpan.FromSeconds(1), stop.Token);
                    Interlocked.Increment(ref heard);
                }
                catch (OperationCanceledException) when (!stop.IsCancellationRequested)
                {
                }
            }
        }, CancellationToken.None);

        await using var chaos = new FakeDiscordChaos(service.Discord.Gateway, () => service.Discord.VoiceServers, ChaosOptions(TimeSpan.FromSeconds(3)));
        try
        {
            chaos.Start();
            await Task.Delay(TimeSpan.FromSeconds(60), Ct);
            await chaos.StopAsync();
            var disruptions = chaos.Disruptions;
            var report = string.Join("\n", disruptions);

            Assert.True(disruptions.Count >= 6, $"disruptions in a minute: {disruptions.Count}\n{report}");
            Assert.All(disruptions, d => Assert.True(d.Recovered, report));
            Assert.True(disruptions.Select(d => d.Kind.IsGateway()).Distinct().Count() == 2, $"gateway and voice disruptions\n{report}");

            // Resumable disruptions were resumed (no Identify); only the session-ending ones identified anew.
            Assert.Equal(1 + disruptions.Count(d => d.Kind.EndsGatewaySession()), service.Discord.Gateway.Identifies.Count);

            // Audio reached the service again after every disruption.
            var last = disruptions[^1].Timestamp;
            await TestWait.UntilAsync(() => published.Any(t => t > last), "audio after the last disruption", TimeSpan.FromSeconds(30));
            Assert.All(disruptions, d => Assert.True(published.Any(t => t > d.Timestamp), $"audio after {d}"));
            Assert.True(Volatile.Read(ref heard) >= 3, $"answers heard during the chaos: {Volatile.Read(ref heard)}");
        }
        finally
        {
            await stop.CancelAsync();
            await speaker.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing | ConfigureAwaitOptions.ContinueOnCapturedContext);
            await watcher.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing | ConfigureAwaitOptions.ContinueOnCapturedContext);
        }

        // Turns were answered (and archived) all along.
        var history = await TestWait.ForAsync(
            async () => (await service.Http.GetFromJsonAsync<SessionSnapshot>($"/api/v1/sessions/{DiscordSessions.SessionId(Guild)}", Ct))!.History,
            h => h.Count(t => t.ResponseText == "hello world") >= 5,
            "answered turns");
        Assert.All(history, t => Assert.Equal("echo", t.Agent));

        // An answer produced while voice is down (the call is moving to another server, which takes seconds) goes to
        // the guild's text channel; then the bot is in the call again and answers in voice.
        await TestWait.UntilAsync(() => service.Voice.GetSnapshot(Guild)!.State == GuildVoiceState.Connected, "connected before the move");
        await VoiceUsers.SpeakAsync(alice, Question(), Ct);
        var moved = await chaos.DisruptAsync(FakeChaosKind.VoiceServerMoved, moveDelay: TimeSpan.FromSeconds(4));
        Assert.NotNull(moved);
        await TestWait.UntilAsync(() => service.Discord.Gateway.Rest.ChannelMessages.Any(m => m.ChannelId == TextChannel && m.Content.Contains("hello world", StringComparison.Ordinal)), "the answer in the text channel", TimeSpan.FromSeconds(30));
        await FakeDiscordChaos.WaitForOutcomeAsync(moved, Ct);
        Assert.Equal("rejoined", moved.Outcome);
        await VoiceUsers.SpeakAsync(alice, Question(), Ct);
        Assert.NotEmpty(await VoiceUsers.HearAnswerAsync(alice, TimeSpan.FromSeconds(60), TimeSpan.FromSeconds(1.5), Ct));
    }
}
