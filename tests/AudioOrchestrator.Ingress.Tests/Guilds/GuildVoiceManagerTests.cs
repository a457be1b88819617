using System.Collections.Concurrent;
using AudioOrchestrator.Audio;
using AudioOrchestrator.Discord;
using AudioOrchestrator.Discord.Guilds;
using AudioOrchestrator.Discord.Voice;
using AudioOrchestrator.Discord.Voice.Udp;
using AudioOrchestrator.Ingress.Tests.Support;
using AudioOrchestrator.Testing;
using Microsoft.Extensions.Options;

namespace AudioOrchestrator.Ingress.Tests.Guilds;

/// <summary>Voice socket tests: one at a time, so DAVE handshakes and timeouts do not compete for the two cores.</summary>
[CollectionDefinition(nameof(VoiceSocketCollection), DisableParallelization = true)]
public sealed class VoiceSocketCollection;

/// <summary>The per-guild voice manager against the fake gateway and fake voice servers, over real sockets.</summary>
[Collection(nameof(VoiceSocketCollection))]
public sealed class GuildVoiceManagerTests : IAsyncLifetime
{
    private const ulong Guild = 81_000_000_000_000_001;
    private const ulong ChannelA = 700_000_000_000_000_001;
    private const ulong ChannelB = 700_000_000_000_000_002;
    private const ulong Alice = 500_000_000_000_000_001;

    private readonly CapturedLogs _logs = new();
    private readonly RecordingSink _sink = new();
    private readonly ConcurrentQueue<GuildVoiceConnected> _connected = new();
    private readonly ConcurrentQueue<GuildVoiceDisconnected> _disconnected = new();
    private FakeDiscord _discord = null!;
    private DiscordShardManager _shards = null!;
    private GuildVoiceManager _voice = null!;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        _discord = await FakeDiscord.StartAsync([Guild]);
        await StartManagerAsync(new GuildVoiceOptions { MoveTimeout = TimeSpan.FromSeconds(2), RejoinDelay = TimeSpan.FromMilliseconds(50), JoinTimeout = TimeSpan.FromSeconds(5) });
    }

    private async Task StartManagerAsync(GuildVoiceOptions options)
    {
        _shards = new DiscordShardManager(Options.Create(_discord.ClientOptions()), _logs);
        _voice = new GuildVoiceManager(_shards, Options.Create(options), _logs) { FrameSinkFactory = _ => _sink };
        _voice.Connected += (_, e) => _connected.Enqueue(e);
        _voice.Disconnected += (_, e) => _disconnected.Enqueue(e);
        await _shards.StartAsync(Ct);
        await TestWait.UntilAsync(() => _voice.IsKnownGuild(Guild), "GUILD_CREATE");
    }

    public async ValueTask DisposeAsync()
    {
        await _voice.DisposeAsync();
        await _shards.DisposeAsync();
        await _discord.DisposeAsync();
        Assert.DoesNotContain(_discord.Token, _logs.AllText, StringComparison.Ordinal);
    }

    private GuildVoiceState State => _voice.GetSnapshot(Guild)!.State;

    private async Task SpeakAsync(ulong channel, ulong userId, int frames)
    {
        var server = await _discord.VoiceServerAsync(channel);
        var user = await server.AddUserAsync(userId);
        await TestWait.UntilAsync(() => user.CanSend && _voice.GetConnection(Guild) is { CanSendAudio: true }, "DAVE ready");
        await server.AnnounceSpeakingAsync(user);
        await TestWait.UntilAsync(() => _voice.GetConnection(Guild)!.SsrcToUser.ContainsKey(user.Ssrc), "op 5 mapping");
        foreach (var frame in OpusPacketizer.Encode(TestAudio.Tone(440, frames * 20, 48000), channels: 2))
        {
            await user.SendOpusAsync(frame);
        }
    }

    [Fact]
    public async Task Join_sends_op_4_connects_to_the_announced_server_and_users_are_heard()
    {
        await _discord.VoiceServerAsync(ChannelA);

        var snapshot = await _voice.JoinAsync(Guild, ChannelA, Ct);

        Assert.Equal((GuildVoiceState.Connected, ChannelA), (snapshot.State, snapshot.ChannelId));
        var request = Assert.Single(_discord.Gateway.VoiceStateRequests);
        Assert.Equal((Guild, (ulong?)ChannelA, false), (request.GuildId, request.ChannelId, request.SelfDeaf));
        Assert.Single(_connected);
        await SpeakAsync(ChannelA, Alice, 5);
        await TestWait.UntilAsync(() => _sink.Frames.Count(f => f.UserId == Alice) == 5, "Alice's five frames");
        Assert.Equal(1, _voice.GetSnapshot(Guild)!.DaveProtocolVersion);
    }

    [Fact]
    public async Task Close_4014_followed_by_new_voice_events_is_a_move_and_audio_flows_in_the_new_channel()
    {
        var serverA = await _discord.VoiceServerAsync(ChannelA);
        await _discord.VoiceServerAsync(ChannelB);
        await _voice.JoinAsync(Guild, ChannelA, Ct);

        await serverA.CloseAsync(Assert.Single(serverA.Sessions), 4014, "moved");
        await TestWait.UntilAsync(() => State == GuildVoiceState.Moving, "Moving");
        await _discord.Gateway.SessionForShard(0).MoveBotAsync(Guild, ChannelB);

        await TestWait.UntilAsync(() => State == GuildVoiceState.Connected && _voice.GetSnapshot(Guild)!.ChannelId == ChannelB, "connected in channel B");
        Assert.Single(_discord.Gateway.VoiceStateRequests); // a move needs no op 4 of ours
        Assert.Equal(2, _connected.Count);
        Assert.DoesNotContain(_disconnected, d => d.Final);
        await SpeakAsync(ChannelB, Alice, 3);
        await TestWait.UntilAsync(() => _sink.Frames.Count(f => f.UserId == Alice) == 3, "Alice heard in channel B");
    }

    [Fact]
    public async Task New_voice_events_while_connected_move_the_bot_before_any_close()
    {
        var serverA = await _discord.VoiceServerAsync(ChannelA);
        await _discord.VoiceServerAsync(ChannelB);
        await _voice.JoinAsync(Guild, ChannelA, Ct);

        await _discord.Gateway.SessionForShard(0).MoveBotAsync(Guild, ChannelB);

        await TestWait.UntilAsync(() => _voice.GetSnapshot(Guild) is { State: GuildVoiceState.Connected, ChannelId: ChannelB }, "connected in channel B");
        await TestWait.UntilAsync(() => serverA.Connections.All(c => c.Ended), "the old voice socket closed");
        Assert.Single(_discord.Gateway.VoiceStateRequests);
        Assert.Equal(2, _connected.Count);
        Assert.DoesNotContain(_disconnected, d => d.Final);
        await SpeakAsync(ChannelB, Alice, 2);
        await TestWait.UntilAsync(() => _sink.Frames.Count(f => f.UserId == Alice) == 2, "Alice heard in channel B");
    }

    [Fact]
    public async Task Close_4014_without_new_voice_events_is_a_disconnect()
    {
        await _voice.DisposeAsync();
        await _shards.DisposeAsync();
        await StartManagerAsync(new GuildVoiceOptions { MoveTimeout = TimeSpan.FromMilliseconds(300) });
        var server = await _discord.VoiceServerAsync(ChannelA);
        await _voice.JoinAsync(Guild, ChannelA, Ct);

        await server.CloseAsync(Assert.Single(server.Sessions), 4014, "kicked");

        await TestWait.UntilAsync(() => State == GuildVoiceState.Disconnected, "Disconnected");
        Assert.Contains(_disconnected, d => d.Final);
        Assert.Null(_voice.GetSnapshot(Guild)!.ChannelId);
    }

    [Theory]
    [InlineData(4006)]
    [InlineData(4009)]
    public async Task A_session_invalid_close_rejoins_with_a_new_op_4(int closeCode)
    {
        var server = await _discord.VoiceServerAsync(ChannelA);
        await _voice.JoinAsync(Guild, ChannelA, Ct);
        var first = _voice.GetConnection(Guild);

        await server.CloseAsync(Assert.Single(server.Sessions), closeCode, "session gone");

        await TestWait.UntilAsync(() => _connected.Count == 2 && State == GuildVoiceState.Connected, "rejoined");
        Assert.Equal(2, _discord.Gateway.VoiceStateRequests.Count(r => r.ChannelId == ChannelA));
        Assert.NotSame(first, _voice.GetConnection(Guild));
    }

    [Theory]
    [InlineData(4021)]
    [InlineData(4022)]
    [InlineData(4017)]
    public async Task A_stop_close_disconnects_for_good_and_leaves_with_op_4(int closeCode)
    {
        var server = await _discord.VoiceServerAsync(ChannelA);
        await _voice.JoinAsync(Guild, ChannelA, Ct);

        await server.CloseAsync(Assert.Single(server.Sessions), closeCode, "stop");

        await TestWait.UntilAsync(() => State == GuildVoiceState.Disconnected && _disconnected.Any(d => d.Final), "disconnected for good");
        await TestWait.UntilAsync(() => _discord.Gateway.VoiceStateRequests is { Count: 2 } r && r[1].ChannelId is null, "op 4 leave");
        Assert.Single(_connected);
    }

    [Theory]
    [InlineData(4015)]
    [InlineData(1001)]
    public async Task A_resumable_close_is_resumed_by_the_connection_without_a_new_join(int closeCode)
    {
        var server = await _discord.VoiceServerAsync(ChannelA);
        await _voice.JoinAsync(Guild, ChannelA, Ct);
        var connection = _voice.GetConnection(Guild)!;

        await server.CloseAsync(Assert.Single(server.Sessions), closeCode, "crashed");

        await TestWait.UntilAsync(() => connection.Statistics.Resumes >= 1 && server.Connections.Count == 2, "resumed");
        Assert.Same(connection, _voice.GetConnection(Guild));
        Assert.Equal(GuildVoiceState.Connected, State);
        Assert.Single(_discord.Gateway.VoiceStateRequests);
        Assert.Single(_connected);
        Assert.Empty(_disconnected);
    }

    [Fact]
    public async Task A_null_endpoint_is_waited_for_until_the_server_is_announced()
    {
        await _discord.VoiceServerAsync(ChannelA);
        _discord.EndpointsAvailable = false;

        var join = _voice.JoinAsync(Guild, ChannelA, Ct);
        await TestWait.UntilAsync(() => _discord.Gateway.VoiceStateRequests.Count == 1, "op 4");
        await Task.Delay(200, Ct);
        Assert.False(join.IsCompleted);
        Assert.Equal(GuildVoiceState.Joining, State);
        _discord.EndpointsAvailable = true;
        await _discord.Gateway.SessionForShard(0).MoveBotAsync(Guild, ChannelA);

        var snapshot = await join.WaitAsync(FakeDiscord.Timeout, Ct);
        Assert.Equal(GuildVoiceState.Connected, snapshot.State);
    }

    [Fact]
    public async Task A_join_without_voice_events_times_out_and_leaves_again()
    {
        await _voice.DisposeAsync();
        await _shards.DisposeAsync();
        await StartManagerAsync(new GuildVoiceOptions { JoinTimeout = TimeSpan.FromMilliseconds(300) });
        _discord.EndpointsAvailable = false;

        var error = await Assert.ThrowsAsync<GuildVoiceJoinException>(() => _voice.JoinAsync(Guild, ChannelA, Ct));

        Assert.Equal(GuildVoiceFailure.Timeout, error.Failure);
        Assert.Equal(GuildVoiceState.Disconnected, State);
        await TestWait.UntilAsync(() => _discord.Gateway.VoiceStateRequests is { Count: 2 } r && r[1].ChannelId is null, "op 4 leave");
    }

    [Fact]
    public async Task Unknown_guilds_are_refused()
    {
        var error = await Assert.ThrowsAsync<GuildVoiceJoinException>(() => _voice.JoinAsync(12345, ChannelA, Ct));

        Assert.Equal(GuildVoiceFailure.UnknownGuild, error.Failure);
        Assert.Null(_voice.GetSnapshot(12345));
        Assert.Empty(_discord.Gateway.VoiceStateRequests);
    }

    [Fact]
    public async Task Leave_sends_op_4_without_a_channel_and_a_second_leave_is_a_no_op()
    {
        var server = await _discord.VoiceServerAsync(ChannelA);
        await _voice.JoinAsync(Guild, ChannelA, Ct);

        Assert.True(await _voice.LeaveAsync(Guild, Ct));
        Assert.False(await _voice.LeaveAsync(Guild, Ct));

        Assert.Equal(GuildVoiceState.Disconnected, State);
        await TestWait.UntilAsync(() => _discord.Gateway.VoiceStateRequests.Count == 2, "op 4 leave received");
        Assert.Null(_discord.Gateway.VoiceStateRequests[^1].ChannelId);
        await TestWait.UntilAsync(() => server.Connections.All(c => c.Ended), "voice socket closed");
        Assert.Contains(_disconnected, d => d.Final);
    }

    [Fact]
    public async Task Joining_another_channel_moves_with_op_4_and_closes_the_old_connection()
    {
        var serverA = await _discord.VoiceServerAsync(ChannelA);
        await _discord.VoiceServerAsync(ChannelB);
        await _voice.JoinAsync(Guild, ChannelA, Ct);

        var moved = await _voice.JoinAsync(Guild, ChannelB, Ct);

        Assert.Equal((GuildVoiceState.Connected, ChannelB), (moved.State, moved.ChannelId));
        Assert.Equal([ChannelA, ChannelB], _discord.Gateway.VoiceStateRequests.Select(r => r.ChannelId!.Value));
        await TestWait.UntilAsync(() => serverA.Connections.All(c => c.Ended), "old voice socket closed");
        Assert.DoesNotContain(_disconnected, d => d.Final);
    }

    private sealed class RecordingSink : IVoiceFrameSink
    {
        public ConcurrentQueue<(ulong UserId, ushort Sequence)> Frames { get; } = new();

        public void OnFrame(ulong userId, RtpHeader header, ReadOnlySpan<byte> opus) => Frames.Enqueue((userId, header.Sequence));
    }
}
