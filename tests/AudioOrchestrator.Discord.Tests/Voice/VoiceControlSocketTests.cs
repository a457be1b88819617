using System.Text.Json;
using System.Threading.Channels;
using AudioOrchestrator.Discord.Fakes.Voice;
using AudioOrchestrator.Discord.Tests.Support;
using AudioOrchestrator.Discord.Voice;
using AudioOrchestrator.Testing;
using Microsoft.Extensions.Logging.Abstractions;

namespace AudioOrchestrator.Discord.Tests.Voice;

/// <summary>
/// The control socket alone against the fake voice server's WebSocket on loopback, with a handler that records what
/// it is handed (and answers nothing: no UDP, no Select Protocol).
/// </summary>
[Collection(nameof(VoiceConnectionTests))]
public sealed class VoiceControlSocketTests : IAsyncLifetime
{
    private const ulong GuildId = 81_000_000_000_000_001;
    private const ulong BotId = 900_000_000_000_000_001;
    private const string Token = "voice-token-control-test";
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    private readonly VoiceConnectionStatistics _statistics = new();
    private readonly RecordingHandler _handler = new();
    private readonly List<(VoiceControlSocket Socket, Task Running)> _sockets = [];
    private FakeVoiceServer _server = null!;

    public async ValueTask InitializeAsync() => _server = await FakeVoiceServer.StartAsync(new FakeVoiceServerOptions { Token = Token }, TestContext.Current.CancellationToken);

    public async ValueTask DisposeAsync()
    {
        foreach (var (socket, running) in _sockets)
        {
            await socket.DisconnectAsync();
            await running.WaitAsync(Timeout);
            socket.Dispose();
        }

        await _server.DisposeAsync();
    }

    private async Task<(VoiceControlSocket Socket, Task Running)> ConnectAsync(TimeProvider? time = null, int maxDaveProtocolVersion = 1)
    {
        var join = new VoiceJoinInfo(GuildId, _server.Options.ChannelId, BotId, "voice-session-1", Token, _server.Endpoint);
        var socket = new VoiceControlSocket(join, new VoiceConnectionOptions(), maxDaveProtocolVersion, _statistics, time ?? TimeProvider.System, NullLogger.Instance);
        await socket.OpenAsync(TestContext.Current.CancellationToken);
        var running = Task.Run(() => socket.RunAsync(_handler), CancellationToken.None);
        _sockets.Add((socket, running));
        return (socket, running);
    }

    [Fact]
    public async Task Hello_is_answered_with_identify_and_a_heartbeat_and_session_messages_go_to_the_handler()
    {
        await ConnectAsync();

        var ready = await _handler.NextAsync(op: 2);

        var session = Assert.Single(_server.Sessions);
        Assert.Equal(session.Ssrc, ready.GetProperty("ssrc").GetUInt32());
        await TestWait.UntilAsync(() => session.SeqAcks.Count > 0, "the first heartbeat", Timeout);
        Assert.Equal([0, 3], _server.Connections[0].ReceivedOps.Take(2));
        Assert.Equal(-1, session.SeqAcks[0]); // nothing received yet when the first heartbeat left
        Assert.Equal(0, _statistics.MalformedMessages);
    }

    [Fact]
    public async Task Malformed_messages_and_handler_failures_are_counted_and_the_socket_goes_on()
    {
        await ConnectAsync();
        await _handler.NextAsync(op: 2);
        var session = Assert.Single(_server.Sessions);

        await _server.SendRawMessageAsync(session, "{not json"u8.ToArray(), binary: false);
        await _server.SendRawMessageAsync(session, "{\"d\": {}}"u8.ToArray(), binary: false);
        await _server.SendRawMessageAsync(session, [0, 9], binary: true);
        await _server.SendRawMessageAsync(session, "{\"op\": 98, \"d\": {}}"u8.ToArray(), binary: false); // the handler throws
        await _server.SendRawMessageAsync(session, [0, 9, 27, 1, 2, 3], binary: true);
        await _server.SendRawMessageAsync(session, "{\"op\": 99}"u8.ToArray(), binary: false);

        Assert.Equal("00091B010203", await _handler.NextBinaryAsync());
        Assert.Equal(JsonValueKind.Undefined, (await _handler.NextAsync(op: 99)).ValueKind);
        Assert.Equal(4, _statistics.MalformedMessages);
        Assert.False(_sockets[0].Socket.Completion.IsCompleted);
    }

    [Fact]
    public async Task A_dropped_socket_is_resumed_with_op_7_and_the_last_sequence_when_the_handler_has_a_session()
    {
        _handler.CanResume = true;
        var (socket, _) = await ConnectAsync();
        await _handler.NextAsync(op: 2);
        var session = Assert.Single(_server.Sessions);

        // The first heartbeat leaves right after Identify, but the fake reads it only after answering Identify with
        // Ready: seeing Ready does not mean the fake has it yet, and a drop before that loses it.
        await TestWait.UntilAsync(() => session.SeqAcks.Count > 0, "the first heartbeat", Timeout);
        _server.Connections[0].Abort();

        await TestWait.UntilAsync(() => _statistics.Resumes == 1, "Resumed (op 9)", Timeout);
        Assert.Equal(7, _server.Connections[1].ReceivedOps[0]);
        Assert.Equal([-1, session.LastSequence], session.SeqAcks.Take(2)); // the first heartbeat's, then the resume's
        Assert.False(socket.Completion.IsCompleted);
    }

    [Fact]
    public async Task A_missing_heartbeat_ack_drops_the_zombie_socket_and_resumes_after_the_backoff()
    {
        _server.Options.AckHeartbeats = false;
        _handler.CanResume = true;
        var time = new SteppedTimeProvider();
        await ConnectAsync(time);
        await _handler.NextAsync(op: 2);

        Assert.Equal(TimeSpan.FromMilliseconds(_server.Options.HeartbeatIntervalMs), await time.AdvancePastNextTimerAsync());
        Assert.Equal(TimeSpan.FromMilliseconds(100), await time.AdvancePastNextTimerAsync()); // the first resume's backoff

        await TestWait.UntilAsync(() => _statistics.Resumes == 1, "Resumed (op 9)", Timeout);
        Assert.Equal(7, _server.Connections[1].ReceivedOps[0]);
    }

    [Fact]
    public async Task Without_a_session_to_resume_a_dropped_socket_ends_with_rejoin()
    {
        var (socket, _) = await ConnectAsync();
        await _handler.NextAsync(op: 2);

        _server.Connections[0].Abort();

        var end = await socket.Completion.WaitAsync(Timeout, TestContext.Current.CancellationToken);
        Assert.Equal(VoiceCloseAction.Rejoin, end.Action);
        Assert.Null(end.CloseCode);
    }

    [Theory]
    [InlineData(VoiceCloseCodes.SessionNoLongerValid, VoiceCloseAction.Rejoin)]
    [InlineData(VoiceCloseCodes.Disconnected, VoiceCloseAction.StopUnlessMoved)]
    [InlineData(VoiceCloseCodes.RateLimited, VoiceCloseAction.Stop)]
    public async Task A_close_code_ends_the_connection_with_its_action(int code, VoiceCloseAction action)
    {
        _handler.CanResume = true;
        var (socket, _) = await ConnectAsync();
        await _handler.NextAsync(op: 2);

        await _server.CloseAsync(Assert.Single(_server.Sessions), code, "test");

        var end = await socket.Completion.WaitAsync(Timeout, TestContext.Current.CancellationToken);
        Assert.Equal(new VoiceConnectionEnd(action, code, "test"), end);
    }

    [Fact]
    public async Task Identify_carries_the_dave_version_and_a_server_requiring_dave_stops_a_client_without()
    {
        var (socket, _) = await ConnectAsync(maxDaveProtocolVersion: 0);

        var end = await socket.Completion.WaitAsync(Timeout, TestContext.Current.CancellationToken);
        Assert.Equal(VoiceCloseAction.Stop, end.Action);
        Assert.Equal(VoiceCloseCodes.E2eeRequired, end.CloseCode);
    }

    [Fact]
    public async Task Disconnecting_cancels_the_lifetime_and_completes_with_stop()
    {
        var (socket, running) = await ConnectAsync();
        await _handler.NextAsync(op: 2);

        await socket.DisconnectAsync();
        await running.WaitAsync(Timeout, TestContext.Current.CancellationToken);

        Assert.True(socket.Lifetime.IsCancellationRequested);
        Assert.Equal(new VoiceConnectionEnd(VoiceCloseAction.Stop, 1000, "Disconnected by us."), await socket.Completion);
        await TestWait.UntilAsync(() => _server.Connections[0].Ended, "the server saw the socket end", Timeout);
    }

    private sealed class RecordingHandler : IVoiceControlHandler
    {
        private readonly Channel<(int Op, JsonElement Data)> _messages = Channel.CreateUnbounded<(int, JsonElement)>();
        private readonly Channel<byte[]> _binary = Channel.CreateUnbounded<byte[]>();

        public bool CanResume { get; set; }

        public Task OnMessageAsync(int op, JsonElement data, ReadOnlyMemory<byte> message)
        {
            if (op == 98)
            {
                throw new FormatException("A handler failure.");
            }

            _messages.Writer.TryWrite((op, data.ValueKind == JsonValueKind.Undefined ? default : data.Clone()));
            return Task.CompletedTask;
        }

        public Task OnBinaryAsync(byte[] message)
        {
            _binary.Writer.TryWrite(message);
            return Task.CompletedTask;
        }

        /// <summary>The data of the next message of <paramref name="op"/> (earlier other ops are skipped).</summary>
        public async Task<JsonElement> NextAsync(int op)
        {
            using var timeout = new CancellationTokenSource(Timeout);
            while (true)
            {
                var (received, data) = await _messages.Reader.ReadAsync(timeout.Token);
                if (received == op)
                {
                    return data;
                }
            }
        }

        public async Task<string> NextBinaryAsync()
        {
            using var timeout = new CancellationTokenSource(Timeout);
            return Convert.ToHexString(await _binary.Reader.ReadAsync(timeout.Token));
        }
    }
}
