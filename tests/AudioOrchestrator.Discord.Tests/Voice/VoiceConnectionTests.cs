using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Threading.Channels;
using AudioOrchestrator.Audio;
using AudioOrchestrator.Discord.Fakes;
using AudioOrchestrator.Discord.Fakes.Voice;
using AudioOrchestrator.Discord.Tests.Support;
using AudioOrchestrator.Discord.Voice;
using AudioOrchestrator.Discord.Voice.Crypto;
using AudioOrchestrator.Testing;

namespace AudioOrchestrator.Discord.Tests.Voice;

/// <summary>Voice tests over real sockets; run apart from the timing-sensitive gateway tests.</summary>
[CollectionDefinition(nameof(VoiceConnectionTests), DisableParallelization = true)]
public sealed class VoiceTestsCollection;

[Collection(nameof(VoiceConnectionTests))]
public sealed class VoiceConnectionTests : IAsyncLifetime
{
    private const ulong GuildId = 81_000_000_000_000_001;
    private const ulong BotId = 900_000_000_000_000_001;
    private const ulong AliceId = 500_000_000_000_000_001;
    private const string Token = "voice-token-DO-NOT-LOG-4b1d";
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    private readonly CapturingLoggerProvider _logs = new();
    private readonly List<DiscordVoiceConnection> _connections = [];
    private FakeVoiceServer _server = null!;

    public static TheoryData<VoiceEncryptionMode> Modes => [VoiceEncryptionMode.AeadAes256GcmRtpSize, VoiceEncryptionMode.AeadXChaCha20Poly1305RtpSize];

    public async ValueTask InitializeAsync() => _server = await FakeVoiceServer.StartAsync(new FakeVoiceServerOptions { Token = Token }, TestContext.Current.CancellationToken);

    public async ValueTask DisposeAsync()
    {
        foreach (var connection in _connections)
        {
            await connection.DisposeAsync();
        }

        await _server.DisposeAsync();
        Assert.DoesNotContain(Token, _logs.AllText, StringComparison.Ordinal);
    }

    private DiscordVoiceConnection NewConnection(VoiceConnectionOptions? options = null, string sessionId = "voice-session-1")
    {
        var connection = new DiscordVoiceConnection(
            new VoiceJoinInfo(GuildId, _server.Options.ChannelId, BotId, sessionId, Token, _server.Endpoint),
            options,
            _logs.For<DiscordVoiceConnection>());
        _connections.Add(connection);
        return connection;
    }

    private async Task<(DiscordVoiceConnection Bot, FakeVoiceUser Alice)> JoinWithAliceAsync(VoiceEncryptionMode mode = VoiceEncryptionMode.AeadAes256GcmRtpSize)
    {
        var alice = await _server.AddUserAsync(AliceId);
        var bot = NewConnection(new VoiceConnectionOptions { PreferredMode = mode });
        await bot.ConnectAsync(TestContext.Current.CancellationToken);
        await TestWait.UntilAsync(() => bot.CanSendAudio && alice.CanSend && _server.ExecutedTransitions >= 1, "DAVE group with Alice and the bot", Timeout);
        return (bot, alice);
    }

    private static IReadOnlyList<byte[]> OpusFrames(int count, double frequency = 440)
    {
        var samples = new short[count * 960];
        for (var i = 0; i < samples.Length; i++)
        {
            samples[i] = (short)(8000 * Math.Sin(2 * Math.PI * frequency * i / 48000));
        }

        return OpusPacketizer.Encode(new PcmAudio(samples, 48000, 1), channels: 2);
    }

    private static async Task<List<T>> ReadAsync<T>(ChannelReader<T> reader, int count)
    {
        List<T> items = [];
        using var timeout = new CancellationTokenSource(Timeout);
        while (items.Count < count)
        {
            items.Add(await reader.ReadAsync(timeout.Token));
        }

        return items;
    }

    [Theory]
    [MemberData(nameof(Modes))]
    public async Task Handshake_reaches_ready_and_session_description_with_dave(VoiceEncryptionMode mode)
    {
        var (bot, _) = await JoinWithAliceAsync(mode);
        var session = Assert.Single(_server.Sessions);
        Assert.Equal(session.Ssrc, bot.Ssrc);
        Assert.Equal(mode, bot.Mode);
        Assert.Equal(mode, session.Mode);
        Assert.Equal(1, bot.DaveProtocolVersion);
        Assert.True(bot.Dave!.IsEstablished);
        Assert.Equal("127.0.0.1", session.AnnouncedAddress);
        Assert.Equal(session.UdpEndpoint!.Port, bot.ExternalEndpoint!.Port);
        var ops = _server.Connections[0].ReceivedOps;
        Assert.Equal([0, 1], ops.Where(op => op != 3).Take(2));
        Assert.Contains(3, ops);
        Assert.Contains(26, ops);
        Assert.Contains(23, ops);
    }

    [Theory]
    [MemberData(nameof(Modes))]
    public async Task A_user_already_talking_is_mapped_once_speaking_arrives_and_frames_arrive_in_order(VoiceEncryptionMode mode)
    {
        var (bot, alice) = await JoinWithAliceAsync(mode);
        var frames = OpusFrames(20);

        // Alice talks before any op 5: the bot cannot attribute her SSRC and drops it.
        await alice.SendOpusAsync(frames[0]);
        await TestWait.UntilAsync(() => bot.Statistics.UnknownSsrc >= 1, "unknown SSRC counted", Timeout);
        Assert.Equal(0, bot.Statistics.FramesDelivered);

        await _server.AnnounceSpeakingAsync(alice);
        await TestWait.UntilAsync(() => bot.SsrcToUser.ContainsKey(alice.Ssrc), "op 5 mapping", Timeout);
        foreach (var frame in frames)
        {
            await alice.SendOpusAsync(frame);
            await Task.Delay(2, TestContext.Current.CancellationToken);
        }

        var received = await ReadAsync(bot.Frames, frames.Count);
        Assert.All(received, f => Assert.Equal(AliceId, f.UserId));
        Assert.Equal(frames.Select(f => Convert.ToHexString(f)), received.Select(f => Convert.ToHexString(f.Opus.Span)));
        for (var i = 1; i < received.Count; i++)
        {
            Assert.Equal((ushort)(received[i - 1].Sequence + 1), received[i].Sequence);
        }

        Assert.Equal(0, bot.Statistics.DaveDecryptFailures);
        var pcm = OpusPacketizer.Decode(received.Select(f => f.Opus), channels: 2);
        Assert.Equal(20 * 960 * 2, pcm.Samples.Length);
    }

    [Fact]
    public async Task The_bot_sends_paced_frames_that_the_user_decrypts()
    {
        var (bot, alice) = await JoinWithAliceAsync();
        var frames = OpusFrames(25, 330);
        var channel = Channel.CreateUnbounded<ReadOnlyMemory<byte>>();
        foreach (var frame in frames)
        {
            channel.Writer.TryWrite(frame);
        }

        channel.Writer.Complete();
        var clock = Stopwatch.StartNew();
        await bot.PlayAsync(channel.Reader, TestContext.Current.CancellationToken);
        var elapsed = clock.Elapsed;

        var received = await ReadAsync(alice.Received, frames.Count + 5);
        Assert.All(received, f => Assert.Equal(BotId, f.FromUserId));
        Assert.Equal(frames.Select(f => Convert.ToHexString(f)), received.Take(25).Select(f => Convert.ToHexString(f.Opus)));
        Assert.All(received.Skip(25), f => Assert.Equal(new byte[] { 0xF8, 0xFF, 0xFE }, f.Opus));
        for (var i = 1; i < received.Count; i++)
        {
            Assert.Equal((ushort)(received[i - 1].Sequence + 1), received[i].Sequence);
            Assert.Equal(received[i - 1].Timestamp + 960, received[i].Timestamp);
        }

        // 30 packets on 20 ms deadlines: the last leaves at 580 ms, never earlier (a loaded machine may make it later).
        Assert.True(elapsed.TotalMilliseconds >= 575, $"30 packets took {elapsed.TotalMilliseconds:F0} ms");
        Assert.True(bot.Statistics.SendLatenessPercentile(0) > TimeSpan.Zero, "the pacing deviation of each frame is recorded");
        var session = Assert.Single(_server.Sessions);
        await TestWait.UntilAsync(() => session.SpeakingUpdates.Count == 2, "speaking off", Timeout);
        Assert.Equal([1, 0], session.SpeakingUpdates);
        Assert.Equal(0, alice.Rejected);
    }

    [Fact]
    public async Task Frames_late_in_the_middle_of_a_sentence_are_waited_for_not_replaced_by_silence()
    {
        var (bot, alice) = await JoinWithAliceAsync();
        var frames = OpusFrames(20, 330);
        var channel = Channel.CreateUnbounded<ReadOnlyMemory<byte>>();
        foreach (var frame in frames.Take(10))
        {
            channel.Writer.TryWrite(frame);
        }

        // The source says "mid-sentence" until its last frame is written; the sender asks only when a frame is missing.
        var senderFoundAGap = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var midSentence = true;
        bool MoreFramesExpected()
        {
            var expected = Volatile.Read(ref midSentence);
            senderFoundAGap.TrySetResult();
            return expected;
        }

        var playing = bot.PlayAsync(channel.Reader, MoreFramesExpected, TestContext.Current.CancellationToken);
        await senderFoundAGap.Task.WaitAsync(Timeout, TestContext.Current.CancellationToken);
        foreach (var frame in frames.Skip(10))
        {
            channel.Writer.TryWrite(frame);
        }

        Volatile.Write(ref midSentence, false);
        channel.Writer.Complete();
        await playing;

        var received = await ReadAsync(alice.Received, frames.Count + 5);
        Assert.Equal(frames.Select(f => Convert.ToHexString(f)), received.Take(20).Select(f => Convert.ToHexString(f.Opus)));
        Assert.All(received.Skip(20), f => Assert.Equal(new byte[] { 0xF8, 0xFF, 0xFE }, f.Opus));
        Assert.Equal(1, bot.Statistics.LateFrameWaits);
        for (var i = 1; i < received.Count; i++)
        {
            Assert.Equal(received[i - 1].Timestamp + 960, received[i].Timestamp); // one continuous stretch of audio
        }
    }

    [Fact]
    public async Task A_gap_at_a_pause_gets_silence_frames_as_before()
    {
        var (bot, alice) = await JoinWithAliceAsync();
        var frames = OpusFrames(10, 330);
        var channel = Channel.CreateUnbounded<ReadOnlyMemory<byte>>();
        foreach (var frame in frames.Take(5))
        {
            channel.Writer.TryWrite(frame);
        }

        var playing = bot.PlayAsync(channel.Reader, () => false, TestContext.Current.CancellationToken);
        await TestWait.UntilAsync(() => bot.Statistics.PacketsSent >= 10, "the first sentence and its silence frames", Timeout);
        foreach (var frame in frames.Skip(5))
        {
            channel.Writer.TryWrite(frame);
        }

        channel.Writer.Complete();
        await playing;

        var received = await ReadAsync(alice.Received, 20);
        Assert.Equal(
            [.. frames.Take(5).Select(Convert.ToHexString), .. Enumerable.Repeat("F8FFFE", 5), .. frames.Skip(5).Select(Convert.ToHexString), .. Enumerable.Repeat("F8FFFE", 5)],
            received.Select(f => Convert.ToHexString(f.Opus)));
        Assert.Equal(0, bot.Statistics.LateFrameWaits);
    }

    [Fact]
    public async Task A_client_without_dave_is_closed_with_4017()
    {
        var bot = NewConnection(new VoiceConnectionOptions { DaveEnabled = false });
        var error = await Assert.ThrowsAsync<VoiceConnectionException>(() => bot.ConnectAsync(TestContext.Current.CancellationToken));
        Assert.Equal(4017, error.End!.CloseCode);
        Assert.Equal(VoiceCloseAction.Stop, error.End.Action);
    }

    [Fact]
    public async Task A_server_without_a_usable_mode_times_the_handshake_out()
    {
        _server.Options.Modes.Clear();
        _server.Options.Modes.Add("xsalsa20_poly1305");
        var bot = NewConnection(new VoiceConnectionOptions { HandshakeTimeout = TimeSpan.FromMilliseconds(500) });
        // Ready offers no mode we speak: no Select Protocol, so no Session Description.
        await Assert.ThrowsAsync<TimeoutException>(() => bot.ConnectAsync(TestContext.Current.CancellationToken));
        Assert.Equal(1, bot.Statistics.MalformedMessages);
    }

    [Fact]
    public async Task Without_a_dave_requirement_transport_only_audio_flows()
    {
        _server.Options.RequireDave = false;
        var alice = await _server.AddUserAsync(AliceId, dave: false);
        var bot = NewConnection(new VoiceConnectionOptions { DaveEnabled = false });
        await bot.ConnectAsync(TestContext.Current.CancellationToken);
        Assert.Equal(0, bot.DaveProtocolVersion);
        await _server.AnnounceSpeakingAsync(alice);
        await TestWait.UntilAsync(() => bot.SsrcToUser.ContainsKey(alice.Ssrc), "op 5 mapping", Timeout);
        var frames = OpusFrames(3);
        foreach (var frame in frames)
        {
            await alice.SendOpusAsync(frame);
        }

        var received = await ReadAsync(bot.Frames, 3);
        Assert.Equal(frames.Select(f => Convert.ToHexString(f)), received.Select(f => Convert.ToHexString(f.Opus.Span)));
    }

    [Fact]
    public async Task A_dropped_voice_websocket_resumes_and_replays_missed_messages()
    {
        var (bot, alice) = await JoinWithAliceAsync();
        var session = Assert.Single(_server.Sessions);
        var seqBefore = session.LastSequence;
        _server.Connections[0].Abort();

        // Sent while the bot is away: buffered and replayed on resume.
        await _server.AnnounceSpeakingAsync(alice);
        await TestWait.UntilAsync(() => bot.Statistics.Resumes == 1, "resume", Timeout);
        await TestWait.UntilAsync(() => bot.SsrcToUser.ContainsKey(alice.Ssrc), "replayed op 5", Timeout);
        Assert.Equal(2, _server.Connections.Count);
        Assert.Equal(7, _server.Connections[1].ReceivedOps[0]);
        Assert.Contains(seqBefore, session.SeqAcks);

        var frames = OpusFrames(3);
        foreach (var frame in frames)
        {
            await alice.SendOpusAsync(frame);
        }

        var received = await ReadAsync(bot.Frames, 3);
        Assert.Equal(frames.Select(f => Convert.ToHexString(f)), received.Select(f => Convert.ToHexString(f.Opus.Span)));
        Assert.False(bot.Completion.IsCompleted);
    }

    [Fact]
    public async Task Missing_heartbeat_acks_drop_the_zombie_connection_and_resume()
    {
        _server.Options.HeartbeatIntervalMs = 100;
        var (bot, _) = await JoinWithAliceAsync();
        _server.Options.AckHeartbeats = false;
        await TestWait.UntilAsync(() => _server.Connections.Count >= 2, "reconnect after missed ACK", Timeout);
        _server.Options.AckHeartbeats = true;
        await TestWait.UntilAsync(() => bot.Statistics.Resumes >= 1, "resume", Timeout);
        Assert.False(bot.Completion.IsCompleted);
    }

    [Fact]
    public async Task Close_codes_resume_rejoin_or_stop()
    {
        var (bot, _) = await JoinWithAliceAsync();
        var session = Assert.Single(_server.Sessions);

        // 4015: resumable.
        await _server.CloseAsync(session, 4015, "crashed");
        await TestWait.UntilAsync(() => bot.Statistics.Resumes == 1, "resume after 4015", Timeout);

        // A resume the server refuses (4006) asks for a rejoin.
        _server.InvalidateSession(session);
        await _server.CloseAsync(session, 4015, "crashed again");
        var end = await bot.Completion.WaitAsync(Timeout, TestContext.Current.CancellationToken);
        Assert.Equal(VoiceCloseAction.Rejoin, end.Action);
        Assert.Equal(4006, end.CloseCode);

        // 4014 is surfaced so the caller can wait for a channel move.
        var second = NewConnection(sessionId: "voice-session-2");
        await second.ConnectAsync(TestContext.Current.CancellationToken);
        await _server.CloseAsync(_server.Sessions.Single(s => s.SessionId == "voice-session-2"), 4014, "moved");
        end = await second.Completion.WaitAsync(Timeout, TestContext.Current.CancellationToken);
        Assert.Equal(VoiceCloseAction.StopUnlessMoved, end.Action);
    }

    [Fact]
    public async Task Garbage_truncated_oversized_and_wrong_version_packets_are_counted_and_survived()
    {
        var (bot, alice) = await JoinWithAliceAsync();
        await _server.AnnounceSpeakingAsync(alice);
        await TestWait.UntilAsync(() => bot.SsrcToUser.ContainsKey(alice.Ssrc), "op 5 mapping", Timeout);
        var session = Assert.Single(_server.Sessions);

        var random = new Random(11);
        for (var i = 0; i < 50; i++)
        {
            var garbage = new byte[random.Next(0, 200)];
            random.NextBytes(garbage);
            await _server.SendRawToBotAsync(session, garbage);
        }

        await _server.SendRawToBotAsync(session, [0x80, 0x78, 0, 1]);
        await _server.SendRawToBotAsync(session, new byte[3000]);
        byte[] versionOne = [0x40, 0x78, 0, 1, 0, 0, 0, 1, 0, 0, 0x03, 0xE8];
        await _server.SendRawToBotAsync(session, _server.SealForBot(session, versionOne, [1, 2, 3]));
        byte[] wrongKey = [0x80, 0x78, 0, 1, 0, 0, 0, 1, 0, 0, 0x03, 0xE8, .. new byte[40]];
        await _server.SendRawToBotAsync(session, wrongKey);

        await TestWait.UntilAsync(() => bot.Statistics.Received(RtpReceiveResult.WrongVersion) >= 1
                && bot.Statistics.Received(RtpReceiveResult.Truncated) >= 1
                && bot.Statistics.Received(RtpReceiveResult.Oversized) >= 1
                && bot.Statistics.Received(RtpReceiveResult.DecryptionFailed) >= 1, "bad packets counted", Timeout);

        var frames = OpusFrames(2);
        foreach (var frame in frames)
        {
            await alice.SendOpusAsync(frame);
        }

        var received = await ReadAsync(bot.Frames, 2);
        Assert.Equal(frames.Select(f => Convert.ToHexString(f)), received.Select(f => Convert.ToHexString(f.Opus.Span)));
    }

    [Fact]
    public async Task A_user_joining_after_the_bot_is_added_by_the_bots_commit_and_audio_flows_both_ways()
    {
        var bot = NewConnection();
        await bot.ConnectAsync(TestContext.Current.CancellationToken);
        Assert.False(bot.Dave!.IsEstablished);
        await TestWait.UntilAsync(() => _server.Sessions.Single().HasKeyPackage, "the bot's key package", Timeout);
        var alice = await _server.AddUserAsync(AliceId);
        await TestWait.UntilAsync(() => bot.CanSendAudio && alice.CanSend && _server.ExecutedTransitions >= 1, "group created by the bot's commit", Timeout);
        Assert.Contains(28, _server.Connections[0].ReceivedOps);
        Assert.Equal(bot.Dave.Group!.EpochAuthenticator, alice.Session!.Group!.EpochAuthenticator);

        await _server.AnnounceSpeakingAsync(alice);
        await TestWait.UntilAsync(() => bot.SsrcToUser.ContainsKey(alice.Ssrc), "op 5 mapping", Timeout);
        var frames = OpusFrames(3);
        foreach (var frame in frames)
        {
            await alice.SendOpusAsync(frame);
        }

        var received = await ReadAsync(bot.Frames, 3);
        Assert.Equal(frames.Select(f => Convert.ToHexString(f)), received.Select(f => Convert.ToHexString(f.Opus.Span)));

        var channel = Channel.CreateUnbounded<ReadOnlyMemory<byte>>();
        channel.Writer.TryWrite(frames[0]);
        channel.Writer.Complete();
        await bot.PlayAsync(channel.Reader, TestContext.Current.CancellationToken);
        var back = await ReadAsync(alice.Received, 1);
        Assert.Equal(frames[0], back[0].Opus);
    }

    [Fact]
    public async Task Malformed_and_unknown_gateway_messages_are_counted_and_ignored()
    {
        var (bot, alice) = await JoinWithAliceAsync();
        var session = Assert.Single(_server.Sessions);
        await _server.SendRawMessageAsync(session, "{not json"u8.ToArray(), binary: false);
        await _server.SendRawMessageAsync(session, "{\"op\": 5, \"d\": {\"ssrc\": \"x\"}}"u8.ToArray(), binary: false);
        await _server.SendRawMessageAsync(session, "{\"op\": 99, \"d\": {}}"u8.ToArray(), binary: false);
        await _server.SendRawMessageAsync(session, [0], binary: true);
        await _server.SendRawMessageAsync(session, [0, 9, 27, 1, 2, 3], binary: true);
        await TestWait.UntilAsync(() => bot.Statistics.MalformedMessages >= 3, "malformed messages counted", Timeout);

        await _server.AnnounceSpeakingAsync(alice);
        await TestWait.UntilAsync(() => bot.SsrcToUser.ContainsKey(alice.Ssrc), "still processing messages", Timeout);
        Assert.False(bot.Completion.IsCompleted);
    }

    [Fact]
    public async Task Join_through_the_fake_gateway_op_4_to_first_audio()
    {
        await using var gateway = await GatewayHarness.StartAsync(o =>
        {
            o.VoiceEndpoint = _server.Endpoint;
            o.BotUserId = BotId;
            o.Guilds.Add(new FakeGuild(GuildId, "voice guild", []));
        });
        _server.Options.Token = null;
        var alice = await _server.AddUserAsync(AliceId);
        var clock = Stopwatch.StartNew();
        await gateway.Client.UpdateVoiceStateAsync(GuildId, _server.Options.ChannelId, false, false, TestContext.Current.CancellationToken);
        await gateway.WaitUntilAsync(() => !gateway.VoiceServers.IsEmpty && gateway.VoiceStates.Any(v => v.UserId == BotId), "voice events");
        var state = gateway.VoiceStates.Last(v => v.UserId == BotId);
        var server = gateway.VoiceServers.Last();
        var bot = new DiscordVoiceConnection(
            new VoiceJoinInfo(GuildId, state.ChannelId!.Value, BotId, state.SessionId, server.Token, server.Endpoint!), logger: _logs.For<DiscordVoiceConnection>());
        _connections.Add(bot);
        await bot.ConnectAsync(TestContext.Current.CancellationToken);
        await TestWait.UntilAsync(() => bot.CanSendAudio && alice.CanSend, "DAVE ready", Timeout);
        var joinMs = clock.Elapsed.TotalMilliseconds;
        TestContext.Current.SendDiagnosticMessage($"voice_join_ms={joinMs:0.0}");
        Assert.InRange(joinMs, 0, 5000);
        Assert.DoesNotContain(server.Token, _logs.AllText, StringComparison.Ordinal);
        Assert.DoesNotContain(server.Token, gateway.Logs.AllText, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_receive_path_into_a_sink_allocates_nothing_per_packet()
    {
        var (bot, alice) = await JoinWithAliceAsync();
        await _server.AnnounceSpeakingAsync(alice);
        await TestWait.UntilAsync(() => bot.SsrcToUser.ContainsKey(alice.Ssrc), "op 5 mapping", Timeout);
        var session = Assert.Single(_server.Sessions);
        var opus = OpusFrames(1)[0];
        var packets = new byte[700][];
        for (var i = 0; i < packets.Length; i++)
        {
            var daveFrame = new byte[opus.Length + 32];
            alice.Session!.Encrypt(opus, daveFrame, out var n);
            var header = new byte[12];
            new AudioOrchestrator.Discord.Voice.Udp.RtpHeader((ushort)i, (uint)i * 960, alice.Ssrc).Write(header);
            packets[i] = _server.SealForBot(session, header, daveFrame.AsSpan(0, n));
        }

        var sink = new CountingSink();
        bot.FrameSink = sink;
        var receiver = ReceiverOf(bot);
        var plain = new byte[VoiceTransportCipher.MaxPacketSize];
        var frame = new byte[VoiceTransportCipher.MaxPacketSize];
        for (var i = 0; i < 200; i++)
        {
            receiver.ProcessPacket(packets[i], plain, frame);
        }

        var started = Stopwatch.GetTimestamp();
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 200; i < packets.Length; i++)
        {
            receiver.ProcessPacket(packets[i], plain, frame);
        }

        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        var elapsed = Stopwatch.GetElapsedTime(started);
        TestContext.Current.SendDiagnosticMessage($"receive path (transport + SSRC + DAVE): {elapsed.TotalMicroseconds / (packets.Length - 200):0.00} us/packet");
        Assert.Equal(packets.Length, sink.Count);
        Assert.Equal(opus.Length, sink.LastLength);
        Assert.Equal(0, allocated);
    }

    // The connection's receive path, driven here packet by packet on the test's thread.
    [UnsafeAccessor(UnsafeAccessorKind.Field, Name = "_receiver")]
    private static extern ref VoiceUdpReceiver ReceiverOf(DiscordVoiceConnection connection);

    private sealed class CountingSink : IVoiceFrameSink
    {
        public int Count { get; private set; }

        public int LastLength { get; private set; }

        public void OnFrame(ulong userId, AudioOrchestrator.Discord.Voice.Udp.RtpHeader header, ReadOnlySpan<byte> opus)
        {
            Count++;
            LastLength = opus.Length;
        }
    }

    [Fact]
    public async Task Client_disconnect_drops_the_ssrc_mapping()
    {
        var (bot, alice) = await JoinWithAliceAsync();
        await _server.AnnounceSpeakingAsync(alice);
        await TestWait.UntilAsync(() => bot.SsrcToUser.ContainsKey(alice.Ssrc), "op 5 mapping", Timeout);
        await _server.RemoveUserAsync(alice);
        await TestWait.UntilAsync(() => !bot.SsrcToUser.ContainsKey(alice.Ssrc), "op 13 unmapping", Timeout);
        await alice.DisposeAsync();
    }
}
