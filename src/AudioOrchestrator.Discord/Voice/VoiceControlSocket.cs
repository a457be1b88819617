using System.Buffers;
using System.Globalization;
using System.Net.WebSockets;
using System.Text.Json;
using Microsoft.Extensions.Logging;

namespace AudioOrchestrator.Discord.Voice;

/// <summary>
/// The voice gateway WebSocket (v8) of one connection: opening it, the receive loop, Hello → Identify (or Resume,
/// op 7 with <c>seq_ack</c>), heartbeats with <c>seq_ack</c> and zombie detection, Heartbeat ACK, Resumed, and sending.
/// Resumable closes are resumed here while the handler <see cref="IVoiceControlHandler.CanResume"/>; otherwise
/// <see cref="Completion"/> ends. Every other message goes to the <see cref="IVoiceControlHandler"/>.
/// <see cref="Lifetime"/> is the whole connection's: <see cref="DisconnectAsync"/> cancels it.
/// </summary>
internal sealed partial class VoiceControlSocket : IDisposable
{
    private readonly VoiceJoinInfo _join;
    private readonly VoiceConnectionOptions _options;
    private readonly int _maxDaveProtocolVersion;
    private readonly VoiceConnectionStatistics _statistics;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _lifetime = new();
    private readonly TaskCompletionSource<VoiceConnectionEnd> _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly VoiceWebSocket _socket = new();
    private readonly VoiceHeartbeat _heartbeat;
    private int _lastSequence = -1;
    private int _resumeAttempts;
    private bool _resuming;

    /// <summary>A control socket for <paramref name="join"/>; <paramref name="maxDaveProtocolVersion"/> is sent in Identify (0 without DAVE).</summary>
    public VoiceControlSocket(VoiceJoinInfo join, VoiceConnectionOptions options, int maxDaveProtocolVersion, VoiceConnectionStatistics statistics, TimeProvider time, ILogger logger)
    {
        _join = join;
        _options = options;
        _maxDaveProtocolVersion = maxDaveProtocolVersion;
        _statistics = statistics;
        _time = time;
        _logger = logger;
        _heartbeat = new VoiceHeartbeat(SendHeartbeatAsync, time, logger, join.GuildId);
    }

    /// <summary>Ends when the connection is over and not resumable; tells whether to rejoin or stop.</summary>
    public Task<VoiceConnectionEnd> Completion => _completion.Task;

    /// <summary>Cancelled when the connection is disconnected.</summary>
    public CancellationToken Lifetime => _lifetime.Token;

    /// <summary>Opens the WebSocket (within <see cref="VoiceConnectionOptions.HandshakeTimeout"/>), replacing the previous one.</summary>
    public async Task OpenAsync(CancellationToken cancellationToken)
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _lifetime.Token);
        await _socket.OpenAsync(_join.GatewayUri, _options.HandshakeTimeout, linked.Token).ConfigureAwait(false);
    }

    /// <summary>Receives on the opened socket, resuming on resumable closes, until the connection ends (see <see cref="Completion"/>).</summary>
    public async Task RunAsync(IVoiceControlHandler handler)
    {
        while (!_lifetime.IsCancellationRequested)
        {
            var socket = _socket.Current!;
            int? closeCode = null;
            string reason;
            using (var heartbeatStop = CancellationTokenSource.CreateLinkedTokenSource(_lifetime.Token))
            {
                try
                {
                    (closeCode, reason) = await ReceiveLoopAsync(socket, handler, heartbeatStop).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is WebSocketException or IOException or OperationCanceledException or ObjectDisposedException)
                {
                    reason = ex.GetType().Name;
                }
                finally
                {
                    await heartbeatStop.CancelAsync().ConfigureAwait(false);
                }
            }

            if (_lifetime.IsCancellationRequested || _completion.Task.IsCompleted)
            {
                break;
            }

            var action = VoiceCloseCodes.Classify(closeCode);
            LogClosed(_join.GuildId, closeCode ?? 0, reason, action);
            if (action == VoiceCloseAction.Resume && _resuming && closeCode is not null)
            {
                // A resume that the server refused is a failed resume.
                action = VoiceCloseAction.Rejoin;
            }

            var attempt = Interlocked.Increment(ref _resumeAttempts);
            if (action == VoiceCloseAction.Resume && handler.CanResume && attempt <= _options.MaxResumeAttempts)
            {
                try
                {
                    await Task.Delay(TimeSpan.FromMilliseconds(100 * attempt * attempt), _time, _lifetime.Token).ConfigureAwait(false);
                    _resuming = true;
                    await OpenAsync(_lifetime.Token).ConfigureAwait(false);
                    continue;
                }
                catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or HttpRequestException)
                {
                    if (_lifetime.IsCancellationRequested)
                    {
                        break;
                    }

                    _completion.TrySetResult(new VoiceConnectionEnd(VoiceCloseAction.Rejoin, closeCode, "Resume failed: " + ex.GetType().Name));
                    break;
                }
            }

            var final = action == VoiceCloseAction.Resume ? VoiceCloseAction.Rejoin : action;
            _completion.TrySetResult(new VoiceConnectionEnd(final, closeCode, reason));
            break;
        }

        _completion.TrySetResult(new VoiceConnectionEnd(VoiceCloseAction.Stop, null, "Stopped."));
    }

    /// <summary>Sends <c>{"op": op, "d": {…}}</c>, the <c>d</c> members written by <paramref name="writeData"/>.</summary>
    public Task SendJsonAsync(int op, Action<Utf8JsonWriter> writeData, CancellationToken cancellationToken) =>
        _socket.SendJsonAsync(op, writeData, cancellationToken);

    /// <summary>Sends one whole message; one send at a time.</summary>
    public Task SendRawAsync(ReadOnlyMemory<byte> message, WebSocketMessageType type, CancellationToken cancellationToken) =>
        _socket.SendAsync(message, type, cancellationToken);

    /// <summary>Ends the connection: <see cref="Completion"/> reports Stop, <see cref="Lifetime"/> is cancelled, the socket closes (1000).</summary>
    public async Task DisconnectAsync()
    {
        _completion.TrySetResult(new VoiceConnectionEnd(VoiceCloseAction.Stop, 1000, "Disconnected by us."));
        var socket = _socket.Current;
        await _lifetime.CancelAsync().ConfigureAwait(false);
        await VoiceWebSocket.CloseAsync(socket).ConfigureAwait(false);
    }

    /// <summary>Disposes the socket and the lifetime; call after <see cref="DisconnectAsync"/> and once <see cref="RunAsync"/> has ended.</summary>
    public void Dispose()
    {
        _socket.Dispose();
        _lifetime.Dispose();
    }

    private async Task<(int? CloseCode, string Reason)> ReceiveLoopAsync(ClientWebSocket socket, IVoiceControlHandler handler, CancellationTokenSource heartbeatStop)
    {
        var buffer = new ArrayBufferWriter<byte>(8192);
        while (true)
        {
            var type = await VoiceWebSocket.ReceiveAsync(socket, buffer, _lifetime.Token).ConfigureAwait(false);
            if (type is null)
            {
                return (null, "Message too large.");
            }

            if (type == WebSocketMessageType.Close)
            {
                return ((int?)socket.CloseStatus, socket.CloseStatusDescription ?? string.Empty);
            }

            try
            {
                if (type == WebSocketMessageType.Binary)
                {
                    await HandleBinaryAsync(buffer.WrittenMemory.ToArray(), handler).ConfigureAwait(false);
                }
                else
                {
                    await HandleJsonAsync(buffer.WrittenMemory, handler, heartbeatStop).ConfigureAwait(false);
                }
            }
            catch (Exception ex) when (ex is JsonException or InvalidOperationException or FormatException or KeyNotFoundException or ArgumentException)
            {
                _statistics.CountMalformed();
                LogMalformed(_join.GuildId, ex.GetType().Name);
            }
        }
    }

    private async Task HandleJsonAsync(ReadOnlyMemory<byte> message, IVoiceControlHandler handler, CancellationTokenSource heartbeatStop)
    {
        using var document = JsonDocument.Parse(message);
        var root = document.RootElement;
        var op = root.GetProperty("op").GetInt32();
        if (root.TryGetProperty("seq", out var seq) && seq.ValueKind == JsonValueKind.Number)
        {
            _lastSequence = seq.GetInt32();
        }

        root.TryGetProperty("d", out var d);
        switch (op)
        {
            case 8:
                await OnHelloAsync(TimeSpan.FromMilliseconds(d.GetProperty("heartbeat_interval").GetDouble()), heartbeatStop).ConfigureAwait(false);
                break;
            case 6:
                _heartbeat.OnAck(d);
                break;
            case 9:
                _resuming = false;
                Interlocked.Exchange(ref _resumeAttempts, 0);
                _statistics.CountResume();
                LogResumed(_join.GuildId);
                break;
            default:
                await handler.OnMessageAsync(op, d, message).ConfigureAwait(false);
                break;
        }
    }

    private async Task OnHelloAsync(TimeSpan interval, CancellationTokenSource heartbeatStop)
    {
        var guildId = _join.GuildId.ToString(CultureInfo.InvariantCulture);
        if (_resuming)
        {
            LogResuming(_join.GuildId, _lastSequence);
            await SendJsonAsync(7, w =>
            {
                w.WriteString("server_id", guildId);
                w.WriteString("session_id", _join.SessionId);
                w.WriteString("token", _join.Token);
                w.WriteNumber("seq_ack", _lastSequence);
            }, _lifetime.Token).ConfigureAwait(false);
        }
        else
        {
            await SendJsonAsync(0, w =>
            {
                w.WriteString("server_id", guildId);
                w.WriteString("user_id", _join.UserId.ToString(CultureInfo.InvariantCulture));
                w.WriteString("session_id", _join.SessionId);
                w.WriteString("token", _join.Token);
                w.WriteNumber("max_dave_protocol_version", _maxDaveProtocolVersion);
            }, _lifetime.Token).ConfigureAwait(false);
        }

        _ = _heartbeat.RunAsync(_socket.Current!, interval, heartbeatStop.Token);
    }

    private Task SendHeartbeatAsync(long nonce, CancellationToken cancellationToken) => SendJsonAsync(3, w =>
    {
        w.WriteNumber("t", nonce);
        w.WriteNumber("seq_ack", _lastSequence);
    }, cancellationToken);

    private async Task HandleBinaryAsync(byte[] message, IVoiceControlHandler handler)
    {
        if (message.Length < 3)
        {
            _statistics.CountMalformed();
            return;
        }

        _lastSequence = (message[0] << 8) | message[1];
        await handler.OnBinaryAsync(message).ConfigureAwait(false);
    }

    [LoggerMessage(EventId = 4205, Level = LogLevel.Information, Message = "Voice {GuildId}: resuming with seq_ack {SeqAck}")]
    private partial void LogResuming(ulong guildId, int seqAck);

    [LoggerMessage(EventId = 4206, Level = LogLevel.Information, Message = "Voice {GuildId}: resumed")]
    private partial void LogResumed(ulong guildId);

    [LoggerMessage(EventId = 4207, Level = LogLevel.Warning, Message = "Voice {GuildId}: closed with {CloseCode} ({Reason}); action {Action}")]
    private partial void LogClosed(ulong guildId, int closeCode, string reason, VoiceCloseAction action);

    [LoggerMessage(EventId = 4209, Level = LogLevel.Debug, Message = "Voice {GuildId}: malformed gateway message ignored ({Error})")]
    private partial void LogMalformed(ulong guildId, string error);
}
