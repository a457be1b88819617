using System.Threading.Channels;
using AudioOrchestrator.Audio;
using AudioOrchestrator.Discord.Fakes;
using AudioOrchestrator.Discord.Fakes.Voice;
using AudioOrchestrator.Discord.Tests.Support;
using AudioOrchestrator.Discord.Voice;
using AudioOrchestrator.Testing;

namespace AudioOrchestrator.Discord.Tests.Voice;

/// <summary>
/// DAVE interop through the voice connection: simulated users backed by npm <c>@snazzah/davey</c> (Rust/OpenMLS, what
/// discord.js uses; installed by npm on first use, needs node and npm) and our bot's real
/// <see cref="DiscordVoiceConnection"/> share one voice channel of the fake voice server, which is the group's external
/// sender, over real sockets (voice WebSocket and the UDP relay). Each side accepts the other's commits and welcomes,
/// members join and leave (Add and Remove proposals, epoch transitions), clients that refuse a tampered commit or
/// welcome recover through opcode 31, and after every transition Opus goes both ways, end-to-end encrypted.
/// </summary>
[Collection(nameof(VoiceConnectionTests))]
public sealed class DaveyVoiceInteropTests : IAsyncLifetime
{
    private const ulong GuildId = 81_000_000_000_000_002;
    private const ulong BotId = 900_000_000_000_000_002;
    private const ulong DaveyId = 500_000_000_000_000_010;
    private const ulong DaveyTwoId = 500_000_000_000_000_011;
    private const ulong CarolId = 500_000_000_000_000_012;
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);

    private readonly CapturingLoggerProvider _logs = new();
    private readonly List<DiscordVoiceConnection> _connections = [];
    private readonly ChannelFrameSink _sink = new();
    private FakeVoiceServer _server = null!;
    private double _frequency = 220;

    public async ValueTask InitializeAsync() => _server = await FakeVoiceServer.StartAsync(cancellationToken: TestContext.Current.CancellationToken);

    public async ValueTask DisposeAsync()
    {
        foreach (var connection in _connections)
        {
            await connection.DisposeAsync();
        }

        await _server.DisposeAsync();
    }

    [Fact]
    public async Task Davey_commits_the_bot_in_and_audio_flows_both_ways_after_a_join_and_a_leave()
    {
        var davey = await AddDaveyAsync(DaveyId);
        var bot = await ConnectBotAsync();

        // davey (the only member with a group) commits the bot's Add; the bot joins from davey's Welcome.
        await WaitForGroupAsync(bot, 1, [BotId, DaveyId], davey);
        await AssertAudioBothWaysAsync(bot, davey);

        // Carol (our own session) joins: davey commits again; the bot follows davey's commit.
        var carol = await _server.AddUserAsync(CarolId);
        await WaitForGroupAsync(bot, 2, [BotId, DaveyId, CarolId], davey, carol);
        await AssertAudioBothWaysAsync(bot, davey);

        // Carol leaves: the gateway proposes her Remove, davey commits, everyone moves on without her.
        await _server.RemoveUserAsync(carol);
        await carol.DisposeAsync();
        await WaitForGroupAsync(bot, 3, [BotId, DaveyId], davey);
        await AssertAudioBothWaysAsync(bot, davey);

        // The bot answered each proposal with a commit of its own too (op 28); the gateway announced davey's.
        Assert.Equal([DaveyId, DaveyId, DaveyId], _server.Committers);
        Assert.Equal(3, _server.ExecutedTransitions);
        Assert.Empty(_server.DaveErrors);
        Assert.Equal(0, bot.Statistics.DaveDecryptFailures);
        Assert.Equal(0, davey.Rejected);
    }

    [Fact]
    public async Task The_bot_commits_davey_in_and_audio_flows_both_ways_after_a_join_and_a_leave()
    {
        _server.PreferredCommitter = DaveCommitterChoice.Bot;
        var bot = await ConnectBotAsync();
        await TestWait.UntilAsync(() => _server.Sessions.Single().HasKeyPackage, "the bot's key package", Timeout);

        // davey joins from the bot's Welcome.
        var davey = await AddDaveyAsync(DaveyId);
        await WaitForGroupAsync(bot, 1, [BotId, DaveyId], davey);
        await AssertAudioBothWaysAsync(bot, davey);

        // A second davey user joins: davey follows the bot's commit, the newcomer the bot's Welcome.
        var daveyTwo = await AddDaveyAsync(DaveyTwoId);
        await WaitForGroupAsync(bot, 2, [BotId, DaveyId, DaveyTwoId], davey, daveyTwo);
        await AssertAudioBothWaysAsync(bot, davey);
        await AssertAudioBothWaysAsync(bot, daveyTwo);

        // The first davey user leaves: the bot commits the gateway's Remove proposal; the second follows.
        await _server.RemoveUserAsync(davey);
        await davey.DisposeAsync();
        await WaitForGroupAsync(bot, 3, [BotId, DaveyTwoId], daveyTwo);
        await AssertAudioBothWaysAsync(bot, daveyTwo);

        Assert.Equal([BotId, BotId, BotId], _server.Committers);
        Assert.Equal(3, _server.ExecutedTransitions);
        Assert.Empty(_server.DaveErrors);
        Assert.Equal(0, bot.Statistics.DaveDecryptFailures);
        Assert.Equal(0, daveyTwo.Rejected);
    }

    [Fact]
    public async Task A_tampered_commit_makes_the_bot_report_op_31_and_it_is_re_added_with_its_new_key_package()
    {
        var davey = await AddDaveyAsync(DaveyId);
        var bot = await ConnectBotAsync();
        await WaitForGroupAsync(bot, 1, [BotId, DaveyId], davey);
        var firstKeyPackage = bot.Dave!.KeyPackage;

        // The commit adding Carol reaches the bot with a flipped membership-tag byte: the bot refuses it (op 31),
        // resets and sends a fresh key package; the gateway removes its old leaf (epoch 3) and re-adds it (epoch 4).
        _server.TamperNextCommitToBot();
        var carol = await _server.AddUserAsync(CarolId);
        await WaitForGroupAsync(bot, 4, [BotId, DaveyId, CarolId], davey, carol);

        Assert.Equal(1, _server.InvalidCommitWelcomeReports);
        Assert.Contains(31, _server.Connections.Single().ReceivedOps);
        Assert.Equal([DaveyId, DaveyId, DaveyId, DaveyId], _server.Committers);
        Assert.Equal(2, _server.Connections.Single().ReceivedOps.Count(op => op == 26));
        Assert.NotEqual(firstKeyPackage, bot.Dave.KeyPackage);
        Assert.Empty(_server.DaveErrors);
        await AssertAudioBothWaysAsync(bot, davey);
    }

    [Fact]
    public async Task A_tampered_welcome_makes_the_bot_report_op_31_and_it_is_re_added_with_its_new_key_package()
    {
        var davey = await AddDaveyAsync(DaveyId);
        _server.TamperNextWelcomeToBot();
        var bot = await ConnectBotAsync();

        // Epoch 1 adds the bot, whose Welcome is corrupt; epoch 2 removes its unusable leaf, epoch 3 adds it again.
        await WaitForGroupAsync(bot, 3, [BotId, DaveyId], davey);
        Assert.Equal(1, _server.InvalidCommitWelcomeReports);
        Assert.Equal(2, _server.Connections.Single().ReceivedOps.Count(op => op == 26));
        Assert.Equal([DaveyId, DaveyId, DaveyId], _server.Committers);
        Assert.Empty(_server.DaveErrors);
        await AssertAudioBothWaysAsync(bot, davey);
    }

    [Fact]
    public async Task Davey_refusing_a_tampered_commit_recovers_through_op_31_and_joins_from_the_bots_welcome()
    {
        _server.PreferredCommitter = DaveCommitterChoice.Bot;
        var bot = await ConnectBotAsync();
        await TestWait.UntilAsync(() => _server.Sessions.Single().HasKeyPackage, "the bot's key package", Timeout);
        var davey = await AddDaveyAsync(DaveyId);
        await WaitForGroupAsync(bot, 1, [BotId, DaveyId], davey);

        // The bot's commit adding a second davey user reaches the first one corrupted: davey refuses it (op 31) and
        // re-initialises with a new key package; the bot commits its Remove (epoch 3) and its Add (epoch 4).
        _server.TamperNextCommitTo(DaveyId);
        var daveyTwo = await AddDaveyAsync(DaveyTwoId);
        await WaitForGroupAsync(bot, 4, [BotId, DaveyId, DaveyTwoId], davey, daveyTwo);
        Assert.Equal(1, _server.InvalidCommitWelcomeReports);
        Assert.Equal([BotId, BotId, BotId, BotId], _server.Committers);
        Assert.Empty(_server.DaveErrors);
        await AssertAudioBothWaysAsync(bot, davey);
        await AssertAudioBothWaysAsync(bot, daveyTwo);
    }

    [Fact]
    public async Task Davey_refusing_a_tampered_welcome_recovers_through_op_31_and_joins_from_the_bots_next_welcome()
    {
        _server.PreferredCommitter = DaveCommitterChoice.Bot;
        var bot = await ConnectBotAsync();
        await TestWait.UntilAsync(() => _server.Sessions.Single().HasKeyPackage, "the bot's key package", Timeout);
        _server.TamperNextWelcomeTo(DaveyId);
        var davey = await AddDaveyAsync(DaveyId);

        // Epoch 1 adds davey with a corrupt Welcome; epoch 2 removes its unusable leaf; epoch 3 adds it again.
        await WaitForGroupAsync(bot, 3, [BotId, DaveyId], davey);
        Assert.Equal(1, _server.InvalidCommitWelcomeReports);
        Assert.Equal([BotId, BotId, BotId], _server.Committers);
        Assert.Empty(_server.DaveErrors);
        await AssertAudioBothWaysAsync(bot, davey);
    }

    [Fact]
    public async Task The_bot_leaving_is_removed_by_daveys_commit_and_rejoins_with_a_new_session()
    {
        var davey = await AddDaveyAsync(DaveyId);
        var first = await ConnectBotAsync();
        await WaitForGroupAsync(first, 1, [BotId, DaveyId], davey);
        var firstSession = _server.Sessions.Single();

        // The bot leaves: the gateway proposes the Remove of its leaf and davey commits it.
        await first.DisconnectAsync(TestContext.Current.CancellationToken);
        await _server.EndSessionAsync(firstSession);
        await TestWait.UntilAsync(() => _server.DaveEpoch == 2 && davey.DaveEpoch == 2, "davey alone at epoch 2", Timeout);
        Assert.Equal([DaveyId], ((DaveyDaveMember)davey.Dave!).GroupUsers);

        // It comes back with a new voice session: davey commits it in again and audio flows.
        var second = await ConnectBotAsync("voice-session-davey-2");
        await WaitForGroupAsync(second, 3, [BotId, DaveyId], davey);
        await AssertAudioBothWaysAsync(second, davey);
        Assert.Equal([DaveyId, DaveyId, DaveyId], _server.Committers);
        Assert.Empty(_server.DaveErrors);
    }

    private async Task<FakeVoiceUser> AddDaveyAsync(ulong userId) =>
        await _server.AddUserAsync(userId, daveMember: DaveyDaveMember.Start(userId, _server.Options.ChannelId));

    private async Task<DiscordVoiceConnection> ConnectBotAsync(string sessionId = "voice-session-davey")
    {
        var bot = new DiscordVoiceConnection(
            new VoiceJoinInfo(GuildId, _server.Options.ChannelId, BotId, sessionId, "voice-token", _server.Endpoint),
            logger: _logs.For<DiscordVoiceConnection>());
        _connections.Add(bot);
        bot.FrameSink = _sink;
        await bot.ConnectAsync(TestContext.Current.CancellationToken);
        return bot;
    }

    /// <summary>Waits until the bot, the users and the gateway agree on the epoch, its authenticator and the members, and the transition ran.</summary>
    private async Task WaitForGroupAsync(DiscordVoiceConnection bot, ulong epoch, ulong[] members, params FakeVoiceUser[] users)
    {
        bool Agreed()
        {
            var group = bot.Dave!.Group;
            if (group is not { IsMember: true } || group.Epoch != epoch || bot.Dave.PendingTransitions.Count > 0 || !bot.CanSendAudio)
            {
                return false;
            }

            return _server.DaveEpoch == epoch
                && _server.DaveGroupUserIds.Order().SequenceEqual(members.Order())
                && users.All(u => u.DaveEpoch == epoch && u.CanSend && group.EpochAuthenticator.AsSpan().SequenceEqual(u.EpochAuthenticator));
        }

        try
        {
            await TestWait.UntilAsync(Agreed, $"epoch {epoch} agreed by the bot and {users.Length} user(s)", Timeout);
        }
        catch (TimeoutException ex)
        {
            var state = $"bot epoch {bot.Dave!.Group?.Epoch}, gateway epoch {_server.DaveEpoch}, members [{string.Join(", ", _server.DaveGroupUserIds)}], "
                + $"users' epochs [{string.Join(", ", users.Select(u => u.DaveEpoch))}], errors [{string.Join("; ", _server.DaveErrors)}], bot error {bot.Dave.LastError}";
            throw new TimeoutException(ex.Message + ": " + state, ex);
        }

        if (users.OfType<FakeVoiceUser>().Select(u => u.Dave).OfType<DaveyDaveMember>().FirstOrDefault() is { } davey)
        {
            Assert.Equal(members.Order(), davey.GroupUsers.Order());
        }
    }

    /// <summary>The user's Opus reaches the bot's frame sink in plaintext, and the bot's played Opus reaches the user decrypted.</summary>
    private async Task AssertAudioBothWaysAsync(DiscordVoiceConnection bot, FakeVoiceUser user)
    {
        var frames = OpusFrames(5, _frequency += 55);
        await _server.AnnounceSpeakingAsync(user);
        await TestWait.UntilAsync(() => bot.SsrcToUser.ContainsKey(user.Ssrc), "op 5 mapping", Timeout);

        var sentBefore = user.DaveFramesSent;
        foreach (var frame in frames)
        {
            await user.SendOpusAsync(frame);
        }

        Assert.Equal(frames.Count, user.DaveFramesSent - sentBefore);

        var atBot = await ReadAsync(_sink.Frames, frames.Count, f => f.UserId == user.UserId);
        Assert.Equal(frames.Select(Convert.ToHexString), atBot.Select(f => Convert.ToHexString(f.Opus)));

        var play = Channel.CreateUnbounded<ReadOnlyMemory<byte>>();
        foreach (var frame in frames)
        {
            play.Writer.TryWrite(frame);
        }

        play.Writer.Complete();
        var daveFramesBefore = user.DaveFramesReceived;
        await bot.PlayAsync(play.Reader, TestContext.Current.CancellationToken);
        var expected = frames.Select(Convert.ToHexString).ToHashSet();
        var atUser = await ReadAsync(user.Received, frames.Count, f => f.FromUserId == BotId && expected.Contains(Convert.ToHexString(f.Opus)));
        Assert.Equal(frames.Select(Convert.ToHexString), atUser.Select(f => Convert.ToHexString(f.Opus)));

        // End-to-end encrypted on the wire (DAVE protocol frames), not passed through.
        Assert.True(user.DaveFramesReceived - daveFramesBefore >= frames.Count, "the bot's frames reached the user as DAVE frames");
    }

    private static IReadOnlyList<byte[]> OpusFrames(int count, double frequency)
    {
        var samples = new short[count * 960];
        for (var i = 0; i < samples.Length; i++)
        {
            samples[i] = (short)(8000 * Math.Sin(2 * Math.PI * frequency * i / 48000));
        }

        return OpusPacketizer.Encode(new PcmAudio(samples, 48000, 1), channels: 2);
    }

    /// <summary>Reads until <paramref name="count"/> items match (earlier rounds' frames and silence are skipped).</summary>
    private static async Task<List<T>> ReadAsync<T>(ChannelReader<T> reader, int count, Func<T, bool> match)
    {
        List<T> items = [];
        using var timeout = new CancellationTokenSource(Timeout);
        while (items.Count < count)
        {
            var item = await reader.ReadAsync(timeout.Token);
            if (match(item))
            {
                items.Add(item);
            }
        }

        return items;
    }

    /// <summary>The bot's allocation-free receive path as the ingress uses it; copies each frame for the test.</summary>
    private sealed class ChannelFrameSink : IVoiceFrameSink
    {
        private readonly Channel<(ulong UserId, byte[] Opus)> _frames = Channel.CreateUnbounded<(ulong UserId, byte[] Opus)>();

        public ChannelReader<(ulong UserId, byte[] Opus)> Frames => _frames.Reader;

        public void OnFrame(ulong userId, AudioOrchestrator.Discord.Voice.Udp.RtpHeader header, ReadOnlySpan<byte> opus) =>
            _frames.Writer.TryWrite((userId, opus.ToArray()));
    }
}
