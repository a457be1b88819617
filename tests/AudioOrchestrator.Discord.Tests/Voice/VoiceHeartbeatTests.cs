using System.Net.WebSockets;
using System.Text.Json;
using AudioOrchestrator.Discord.Tests.Support;
using AudioOrchestrator.Discord.Voice;

namespace AudioOrchestrator.Discord.Tests.Voice;

/// <summary>Heartbeats alone, on a stepped fake clock; the socket is only there to be aborted.</summary>
public sealed class VoiceHeartbeatTests
{
    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(13_750);

    private readonly SteppedTimeProvider _time = new();
    private readonly CapturingLoggerProvider _logs = new();
    private readonly List<long> _nonces = [];
    private readonly VoiceHeartbeat _heartbeat;

    public VoiceHeartbeatTests() => _heartbeat = new VoiceHeartbeat(
        (nonce, _) =>
        {
            _nonces.Add(nonce);
            return Task.CompletedTask;
        },
        _time,
        _logs.For<DiscordVoiceConnection>(),
        guildId: 1);

    private static JsonElement Ack(long? nonce) =>
        nonce is null ? default : JsonDocument.Parse($"{{\"t\": {nonce}}}").RootElement.Clone();

    [Fact]
    public async Task Acked_heartbeats_go_out_at_once_and_then_every_interval_with_the_clock_as_nonce()
    {
        using var socket = new ClientWebSocket();
        using var stop = new CancellationTokenSource();
        var start = _time.GetUtcNow().ToUnixTimeMilliseconds();

        var running = _heartbeat.RunAsync(socket, Interval, stop.Token);
        for (var i = 0; i < 3; i++)
        {
            // Each heartbeat is sent before the wait for the next one begins.
            Assert.Equal(Interval, await _time.NextTimerAsync());
            _heartbeat.OnAck(Ack(i == 1 ? null : _nonces[^1])); // an ACK without "t" acknowledges the last heartbeat
            _time.Advance(Interval);
        }

        Assert.Equal(Interval, await _time.NextTimerAsync());
        await stop.CancelAsync();
        await running.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);

        Assert.Equal(Enumerable.Range(0, 4).Select(i => start + (i * (long)Interval.TotalMilliseconds)), _nonces);
        Assert.Equal(WebSocketState.None, socket.State);
        Assert.DoesNotContain(_logs.Lines, l => l.EventId.Id == 4208);
    }

    [Fact]
    public async Task A_heartbeat_not_acked_by_the_next_one_aborts_the_socket_as_a_zombie()
    {
        using var socket = new ClientWebSocket();

        var running = _heartbeat.RunAsync(socket, Interval, CancellationToken.None);
        await _time.AdvancePastNextTimerAsync();
        await running.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);

        Assert.Single(_nonces);
        Assert.Equal(WebSocketState.Closed, socket.State);
        Assert.Contains(_logs.Lines, l => l.EventId.Id == 4208);
    }
}
