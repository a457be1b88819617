using System.Net.WebSockets;
using System.Text.Json;
using Microsoft.Extensions.Logging;

namespace AudioOrchestrator.Discord.Voice;

/// <summary>
/// Heartbeats of the voice WebSocket: op 3 with a nonce (<c>t</c>) and <c>seq_ack</c> every interval from Hello.
/// When the previous heartbeat's ACK (op 6) has not come by the next one, the connection is a zombie: the socket is
/// aborted, so the control socket resumes.
/// </summary>
internal sealed partial class VoiceHeartbeat
{
    private readonly Func<long, CancellationToken, Task> _sendHeartbeat;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly ulong _guildId;
    private long _lastHeartbeatNonce;
    private long _lastAckNonce;

    /// <summary>Heartbeats through <paramref name="sendHeartbeat"/>, which sends op 3 with the nonce (and the current <c>seq_ack</c>).</summary>
    public VoiceHeartbeat(Func<long, CancellationToken, Task> sendHeartbeat, TimeProvider time, ILogger logger, ulong guildId)
    {
        _sendHeartbeat = sendHeartbeat;
        _time = time;
        _logger = logger;
        _guildId = guildId;
    }

    /// <summary>Heartbeat ACK (op 6): its <c>t</c>, or the last nonce when it has none.</summary>
    public void OnAck(JsonElement data) =>
        _lastAckNonce = data.ValueKind == JsonValueKind.Object && data.TryGetProperty("t", out var t) ? t.GetInt64() : _lastHeartbeatNonce;

    /// <summary>Heartbeats on <paramref name="socket"/> until <paramref name="cancellationToken"/>, a send failure or a missed ACK (abort).</summary>
    public async Task RunAsync(ClientWebSocket socket, TimeSpan interval, CancellationToken cancellationToken)
    {
        try
        {
            _lastAckNonce = _lastHeartbeatNonce = 0;
            while (!cancellationToken.IsCancellationRequested)
            {
                if (_lastHeartbeatNonce != _lastAckNonce)
                {
                    LogZombie(_guildId);
                    socket.Abort();
                    return;
                }

                var nonce = _time.GetUtcNow().ToUnixTimeMilliseconds();
                _lastHeartbeatNonce = nonce;
                await _sendHeartbeat(nonce, cancellationToken).ConfigureAwait(false);
                await Task.Delay(interval, _time, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or WebSocketException or ObjectDisposedException)
        {
            // The connection is ending.
        }
    }

    [LoggerMessage(EventId = 4208, Level = LogLevel.Warning, Message = "Voice {GuildId}: no heartbeat ACK, dropping the connection to resume")]
    private partial void LogZombie(ulong guildId);
}
