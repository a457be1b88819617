using System.Text.Json;
using AudioOrchestrator.Discord.Fakes;
using AudioOrchestrator.Discord.Gateway;
using AudioOrchestrator.Discord.Tests.Support;
using AudioOrchestrator.Testing;
using Microsoft.Extensions.Time.Testing;

namespace AudioOrchestrator.Discord.Tests;

public sealed class GatewaySessionTests
{
    private const ulong GuildId = 41771983423143937;
    private const ulong ChannelId = 41771983423143938;

    [Fact]
    public async Task Identify_gets_Ready_and_the_guild_voice_states()
    {
        await using var h = await GatewayHarness.StartAsync(fake => fake.Guilds.Add(new FakeGuild(
            GuildId, "guild", [new FakeVoiceState(11, ChannelId, "s11"), new FakeVoiceState(12, ChannelId, "s12")])));

        var connection = Assert.Single(h.Fake.Connections);
        Assert.Equal("/gateway", connection.Path);
        Assert.Equal("?v=10&encoding=json", connection.Query);

        var identify = Assert.Single(h.Fake.Received, p => p.Op == 2);
        using var doc = JsonDocument.Parse(identify.Json);
        var d = doc.RootElement.GetProperty("d");
        Assert.Equal(h.Options.Token, d.GetProperty("token").GetString());
        Assert.Equal(129, d.GetProperty("intents").GetInt32());
        Assert.Equal("linux", d.GetProperty("properties").GetProperty("os").GetString());
        Assert.Equal("AudioOrchestrator", d.GetProperty("properties").GetProperty("browser").GetString());
        Assert.Equal("AudioOrchestrator", d.GetProperty("properties").GetProperty("device").GetString());
        Assert.Equal([0, 1], d.GetProperty("shard").EnumerateArray().Select(e => e.GetInt32()).ToArray());

        var session = h.Fake.SessionForShard(0);
        var ready = Assert.Single(h.Readies);
        Assert.Equal(session.SessionId, ready.SessionId);
        Assert.Equal(h.Fake.ResumeUrl, ready.ResumeGatewayUrl);
        Assert.Equal(h.Fake.Options.BotUserId, ready.UserId);
        Assert.Equal([GuildId], ready.GuildIds);
        Assert.Equal(h.Fake.Options.BotUserId, h.Client.UserId);
        Assert.Equal(GatewayConnectionState.Ready, h.Client.State);

        await h.WaitUntilAsync(() => !h.Guilds.IsEmpty, "GUILD_CREATE");
        Assert.Equal(2, h.Client.LastSequence);
        var states = h.Client.VoiceStates.InChannel(GuildId, ChannelId);
        Assert.Equal([11UL, 12UL], states.Select(s => s.UserId).Order().ToArray());
        Assert.All(states, s => Assert.Equal(GuildId, s.GuildId));
        Assert.Equal("s12", h.Client.VoiceStates.Get(GuildId, 12)!.SessionId);
    }

    [Fact]
    public async Task Heartbeats_carry_the_last_sequence_and_are_acknowledged()
    {
        await using var h = await GatewayHarness.StartAsync();
        var connection = h.Fake.Connections[0];
        await h.WaitUntilAsync(() => connection.Heartbeats.Count >= 3 && h.Client.Statistics.HeartbeatAcks >= 3, "three acknowledged heartbeats");

        Assert.Contains(1L, connection.Heartbeats);
        Assert.Equal(0, h.Client.Statistics.ZombieConnections);
        Assert.NotNull(h.Client.Latency);

        // A heartbeat request (op 1) is answered at once, long before the next interval.
        h.Fake.Options.HeartbeatIntervalMs = 150;
        var before = connection.Heartbeats.Count;
        await h.Fake.SessionForShard(0).RequestHeartbeatAsync();
        await h.WaitUntilAsync(() => connection.Heartbeats.Count > before, "heartbeat on request");
        Assert.Single(h.Fake.Connections);
    }

    [Fact]
    public async Task First_heartbeat_waits_a_jittered_part_of_the_interval()
    {
        await using var h = await GatewayHarness.StartAsync(fake => fake.HeartbeatIntervalMs = 400);
        var connection = h.Fake.Connections[0];
        await h.WaitUntilAsync(() => connection.Heartbeats.Count >= 3, "three heartbeats");
        var beats = h.Fake.Received.Where(p => p.Op == 1).Select(p => p.At).ToArray();

        // Then every interval (with scheduling slack on a busy machine).
        var gap = beats[2] - beats[1];
        Assert.InRange(gap.TotalMilliseconds, 300, 1500);
    }

    [Fact]
    public async Task Zombie_connection_is_closed_and_resumed_with_the_missed_events_replayed()
    {
        await using var h = await GatewayHarness.StartAsync(fake => fake.Guilds.Add(new FakeGuild(GuildId, "guild", [])));
        await h.WaitUntilAsync(() => !h.Guilds.IsEmpty, "GUILD_CREATE");
        var session = h.Fake.SessionForShard(0);
        var first = session.RequireConnection();

        // The fake goes silent: no ACKs, dispatches are kept but not delivered.
        first.Zombie = true;
        await session.DispatchAsync("VOICE_STATE_UPDATE", VoiceStateJson(GuildId, ChannelId, 21));
        await session.DispatchAsync("VOICE_STATE_UPDATE", VoiceStateJson(GuildId, ChannelId, 22));

        await h.WaitUntilAsync(() => !h.Resumes.IsEmpty, "Resumed");
        // The client sends a resumable close code and drops the socket at once (the peer is dead). The fake usually
        // reads that close frame, but the reset that follows can overtake it on a loaded machine (seen once in ~10
        // runs), so a connection that simply ended is accepted; the accepted Resume below proves the session stayed valid.
        await h.WaitUntilAsync(() => first.ClientCloseStatus is not null || first.Ended, "the first connection to end");
        Assert.Equal(1, h.Client.Statistics.ZombieConnections);
        if (first.ClientCloseStatus is { } closeStatus)
        {
            Assert.NotEqual(1000, closeStatus);
            Assert.NotEqual(1001, closeStatus);
        }

        var second = h.Fake.Connections[1];
        Assert.Equal("/resume", second.Path);
        Assert.Equal(6, second.Handshake);
        var resume = Assert.Single(h.Fake.Received, p => p.Op == 6);
        using (var doc = JsonDocument.Parse(resume.Json))
        {
            Assert.Equal(session.SessionId, doc.RootElement.GetProperty("d").GetProperty("session_id").GetString());
            Assert.Equal(2, doc.RootElement.GetProperty("d").GetProperty("seq").GetInt64());
        }

        var resumed = Assert.Single(h.Resumes);
        Assert.Equal(2, resumed.ReplayedEvents);
        Assert.Equal([21UL, 22UL], h.VoiceStates.Select(v => v.UserId).ToArray());
        Assert.Equal(2, h.Client.VoiceStates.InChannel(GuildId, ChannelId).Count);
        Assert.Single(h.Readies);
        Assert.Single(h.Fake.Identifies);
        Assert.Equal(GatewayConnectionState.Ready, h.Client.State);
    }

    [Fact]
    public async Task Reconnect_op7_resumes_on_the_resume_url()
    {
        await using var h = await GatewayHarness.StartAsync();
        var session = h.Fake.SessionForShard(0);
        await session.SendReconnectAsync();

        await h.WaitUntilAsync(() => !h.Resumes.IsEmpty, "Resumed");
        await h.WaitUntilAsync(() => h.Fake.Connections[0].ClientCloseStatus is not null, "the fake to see the client's close frame");
        Assert.Equal(2, h.Fake.Connections.Count);
        Assert.Equal("/resume", h.Fake.Connections[1].Path);
        Assert.Equal(GatewayCloseCodes.ClientResumeClose, h.Fake.Connections[0].ClientCloseStatus);
        Assert.Single(h.Fake.Identifies);

        // Events keep flowing on the resumed session.
        await session.DispatchAsync("VOICE_STATE_UPDATE", VoiceStateJson(GuildId, ChannelId, 31));
        await h.WaitUntilAsync(() => h.VoiceStates.Any(v => v.UserId == 31), "event after resume");
    }

    [Fact]
    public async Task Invalid_session_not_resumable_identifies_again_after_the_wait()
    {
        await using var h = await GatewayHarness.StartAsync();
        var firstSession = h.Fake.SessionForShard(0);
        var invalidatedAt = h.Fake.Now;
        await firstSession.SendInvalidSessionAsync(resumable: false);

        await h.WaitUntilAsync(() => h.Readies.Count == 2, "second Ready");
        Assert.Equal(2, h.Fake.Identifies.Count);
        Assert.DoesNotContain(h.Fake.Received, p => p.Op == 6);
        Assert.Equal("/gateway", h.Fake.Connections[1].Path);
        Assert.Equal(2, h.Fake.Connections[1].Handshake);
        Assert.NotEqual(firstSession.SessionId, h.Client.SessionId);
        Assert.True(h.Fake.Identifies[1].At - invalidatedAt >= h.Options.InvalidSessionMinDelay - TimeSpan.FromMilliseconds(5));
    }

    [Fact]
    public async Task Invalid_session_resumable_resumes()
    {
        await using var h = await GatewayHarness.StartAsync();
        await h.Fake.SessionForShard(0).SendInvalidSessionAsync(resumable: true);
        await h.WaitUntilAsync(() => !h.Resumes.IsEmpty, "Resumed");
        Assert.Single(h.Fake.Identifies);
        Assert.Equal(6, h.Fake.Connections[1].Handshake);
    }

    [Fact]
    public async Task A_dropped_tcp_connection_without_close_code_resumes()
    {
        await using var h = await GatewayHarness.StartAsync();
        h.Fake.SessionForShard(0).RequireConnection().Abort();
        await h.WaitUntilAsync(() => !h.Resumes.IsEmpty, "Resumed");
        Assert.Single(h.Fake.Identifies);
    }

    [Theory]
    [InlineData(4000)]
    [InlineData(4001)]
    [InlineData(4002)]
    [InlineData(4005)]
    [InlineData(4008)]
    [InlineData(1011)]
    public async Task Resumable_close_codes_resume(int code)
    {
        await using var h = await GatewayHarness.StartAsync();
        await h.Fake.SessionForShard(0).CloseAsync(code);
        await h.WaitUntilAsync(() => !h.Resumes.IsEmpty, "Resumed");
        Assert.Single(h.Fake.Identifies);
        Assert.Equal("/resume", h.Fake.Connections[1].Path);
    }

    [Theory]
    [InlineData(4003)]
    [InlineData(4007)]
    [InlineData(4009)]
    public async Task Session_ending_close_codes_identify_again(int code)
    {
        await using var h = await GatewayHarness.StartAsync();
        await h.Fake.SessionForShard(0).CloseAsync(code, invalidate: true);
        await h.WaitUntilAsync(() => h.Readies.Count == 2, "second Ready");
        Assert.DoesNotContain(h.Fake.Received, p => p.Op == 6);
        Assert.Equal("/gateway", h.Fake.Connections[1].Path);
    }

    [Theory]
    [InlineData(4004)]
    [InlineData(4010)]
    [InlineData(4011)]
    [InlineData(4012)]
    [InlineData(4013)]
    [InlineData(4014)]
    public async Task Fatal_close_codes_stop_with_a_clear_error(int code)
    {
        await using var h = await GatewayHarness.StartAsync();
        await h.Fake.SessionForShard(0).CloseAsync(code);

        var error = await Assert.ThrowsAsync<DiscordGatewayFatalException>(() => h.Client.Completion.WaitAsync(GatewayHarness.Timeout, TestContext.Current.CancellationToken));
        Assert.Equal(code, error.CloseCode);
        Assert.Contains(code.ToString(System.Globalization.CultureInfo.InvariantCulture), error.Message, StringComparison.Ordinal);
        Assert.Equal(GatewayConnectionState.Faulted, h.Client.State);
        Assert.Same(error, h.Client.FatalError);
        Assert.Contains(h.Logs.Lines, l => l.Level == Microsoft.Extensions.Logging.LogLevel.Critical && l.Message.Contains("will not reconnect", StringComparison.Ordinal));
        Assert.Single(h.Fake.Connections); // the connection loop has ended (Completion): nothing can reconnect
        await Assert.ThrowsAsync<DiscordGatewayFatalException>(() => h.Client.WaitUntilReadyAsync(TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task A_wrong_token_is_fatal_4004()
    {
        await using var h = await GatewayHarness.StartAsync(configureClient: o => o.Token = "wrong-token", waitForReady: false);
        var error = await Assert.ThrowsAsync<DiscordGatewayFatalException>(() => h.Client.Completion.WaitAsync(GatewayHarness.Timeout, TestContext.Current.CancellationToken));
        Assert.Equal(4004, error.CloseCode);
        Assert.Contains("token", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Stop_closes_with_1000_and_does_not_reconnect()
    {
        var h = await GatewayHarness.StartAsync();
        await using (h)
        {
            await h.Client.StopAsync(TestContext.Current.CancellationToken);
            await h.WaitUntilAsync(() => h.Fake.Connections[0].Ended, "connection ended");
            // The client sends close 1000 and waits for the server's reply before it lets the socket go.
            Assert.Equal(1000, h.Fake.Connections[0].ClientCloseStatus);
            Assert.Contains("acknowledged the close with 1000", h.Logs.AllText, StringComparison.Ordinal);
            Assert.Equal(GatewayConnectionState.Stopped, h.Client.State);
            Assert.Single(h.Fake.Connections); // StopAsync waited for the connection loop to end: nothing can reconnect
        }
    }

    [Fact]
    public async Task Stop_cuts_the_connection_when_Discord_does_not_answer_the_close_within_two_seconds()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var h = await GatewayHarness.StartAsync(configureFake: o => o.IgnoreClientClose = true, time: time);
        await using (h)
        {
            var stop = h.Client.StopAsync(TestContext.Current.CancellationToken);
            await h.WaitUntilAsync(() => h.Fake.Connections[0].ClientCloseStatus is not null, "the fake to read the close");
            Assert.False(stop.IsCompleted); // waiting for the answer

            // The wait starts right after the close is sent; step the clock until it has run out.
            await TestWait.UntilAsync(
                () =>
                {
                    time.Advance(TimeSpan.FromMilliseconds(500));
                    return stop.IsCompleted;
                },
                "StopAsync to give up on the answer");
            await stop;

            Assert.Equal(1000, h.Fake.Connections[0].ClientCloseStatus);
            Assert.Contains("did not answer the close within 2000 ms", h.Logs.AllText, StringComparison.Ordinal);
            Assert.Equal(GatewayConnectionState.Stopped, h.Client.State);
        }
    }

    internal static string VoiceStateJson(ulong guildId, ulong? channelId, ulong userId) =>
        $$"""{"guild_id":"{{guildId}}","channel_id":{{(channelId is { } c ? $"\"{c}\"" : "null")}},"user_id":"{{userId}}","session_id":"vs{{userId}}","deaf":false,"mute":false,"self_deaf":false,"self_mute":true,"self_video":false,"suppress":false,"request_to_speak_timestamp":null}""";
}
