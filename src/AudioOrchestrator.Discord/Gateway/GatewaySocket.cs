using System.Buffers;
using System.Net.WebSockets;
using System.Text;
using Microsoft.Extensions.Logging;

namespace AudioOrchestrator.Discord.Gateway;

/// <summary>
/// One WebSocket connection of a shard: connect with a timeout, whole-message receive with a size cap, sends through
/// the send rate limit one at a time, and a bounded closing handshake. Cancelling <see cref="Token"/> ends everything
/// that runs for this connection.
/// </summary>
internal sealed partial class GatewaySocket : IDisposable
{
    /// <summary>How long a close waits for the send lock and for the server's close reply.</summary>
    public static readonly TimeSpan CloseTimeout = TimeSpan.FromSeconds(2);

    private readonly ClientWebSocket _socket = new();
    private readonly GatewaySendRateLimiter _limiter;
    private readonly CancellationTokenSource _cts;
    private readonly SemaphoreSlim _sendLock = new(1, 1);
    private readonly DiscordOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly int _shardId;
    private volatile GatewayConnectionOutcome? _outcome;

    /// <summary>Creates the connection of shard <paramref name="shardId"/>; it ends when <paramref name="stop"/> is cancelled.</summary>
    public GatewaySocket(int shardId, DiscordOptions options, TimeProvider time, ILogger logger, CancellationToken stop)
    {
        _shardId = shardId;
        _options = options;
        _time = time;
        _logger = logger;
        _limiter = new GatewaySendRateLimiter(options.SendLimit, options.SendWindow + options.SendWindowMargin, options.SendReserve, time);
        _cts = CancellationTokenSource.CreateLinkedTokenSource(stop);
        Token = _cts.Token;
    }

    /// <summary>Cancelled when the connection ends.</summary>
    public CancellationToken Token { get; }

    /// <summary>Ready or Resumed was received on this connection.</summary>
    public bool ReachedSession { get; set; }

    /// <summary>Dispatches replayed during a resume.</summary>
    public int Replayed { get; set; }

    /// <summary>Why the connection was ended from our side (e.g. a zombie), read by the receive loop when it is cancelled.</summary>
    public GatewayConnectionOutcome? Outcome
    {
        get => _outcome;
        set => _outcome = value;
    }

    /// <summary>The server's close code (null for none or an abnormal end) and reason.</summary>
    public (int? Code, string Description) CloseStatus
    {
        get
        {
            var code = _socket.CloseStatus is { } status ? (int?)status : null;
            return (code is 1005 or 1006 or 1015 ? null : code, _socket.CloseStatusDescription ?? string.Empty);
        }
    }

    /// <summary>Opens the WebSocket within <see cref="DiscordOptions.ConnectTimeout"/>.</summary>
    public async Task ConnectAsync(Uri url)
    {
        using var timeout = new CancellationTokenSource(_options.ConnectTimeout, _time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(Token, timeout.Token);
        await _socket.ConnectAsync(url, linked.Token).ConfigureAwait(false);
    }

    /// <summary>Receives one whole message into <paramref name="buffer"/>; a message over the size cap is drained and reported, not kept.</summary>
    public async Task<GatewayMessageKind> ReceiveAsync(ArrayBufferWriter<byte> buffer, CancellationToken cancellationToken)
    {
        buffer.ResetWrittenCount();
        var tooLarge = false;
        while (true)
        {
            var result = await _socket.ReceiveAsync(buffer.GetMemory(16 * 1024), cancellationToken).ConfigureAwait(false);
            if (result.MessageType == WebSocketMessageType.Close)
            {
                return GatewayMessageKind.Close;
            }

            buffer.Advance(result.Count);
            if (buffer.WrittenCount > _options.MaxMessageBytes)
            {
                tooLarge = true;
                buffer.ResetWrittenCount();
            }

            if (result.EndOfMessage)
            {
                return tooLarge ? GatewayMessageKind.TooLarge
                    : result.MessageType == WebSocketMessageType.Binary ? GatewayMessageKind.Binary
                    : GatewayMessageKind.Text;
            }
        }
    }

    /// <summary>Sends a payload after the rate limiter allows it (<paramref name="priority"/> uses the reserve kept for heartbeats and handshakes).</summary>
    public async Task SendAsync(byte[] payload, bool priority, CancellationToken cancellationToken)
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, Token);
        await _limiter.AcquireAsync(priority, linked.Token).ConfigureAwait(false);
        await _sendLock.WaitAsync(linked.Token).ConfigureAwait(false);
        try
        {
            // Only the connection's own token: cancelling a WebSocket send aborts the socket.
            await _socket.SendAsync(payload, WebSocketMessageType.Text, endOfMessage: true, Token).ConfigureAwait(false);
        }
        finally
        {
            _sendLock.Release();
        }

        if (_logger.IsEnabled(LogLevel.Trace))
        {
            LogSent(_shardId, GatewayPayloads.Redact(Encoding.UTF8.GetString(payload), _options.Token));
        }
    }

    /// <summary>
    /// Closes from our side with the closing handshake: sends the close frame and waits for the server's before the
    /// socket goes, so the server reads our close code (a resumable 4000 rather than a dropped connection); gives up
    /// after two seconds. Messages that arrive meanwhile are dropped (a resume replays missed dispatches). Only for
    /// the receive loop itself: nothing else may be receiving.
    /// </summary>
    public Task CloseAsync(WebSocketCloseStatus status, string? description) => CloseAsync(status, description, waitForReply: true);

    /// <summary>
    /// Sends a close frame if the socket is still open for sending, without waiting for the server's (a dead peer, a
    /// stop, or the echo of the server's own close); gives up after two seconds.
    /// </summary>
    public Task CloseOutputAsync(WebSocketCloseStatus status, string? description) => CloseAsync(status, description, waitForReply: false);

    private async Task CloseAsync(WebSocketCloseStatus status, string? description, bool waitForReply)
    {
        try
        {
            using var timeout = new CancellationTokenSource(CloseTimeout, _time);
            await _sendLock.WaitAsync(timeout.Token).ConfigureAwait(false);
            try
            {
                if (_socket.State is WebSocketState.Open or WebSocketState.CloseReceived)
                {
                    await (waitForReply
                        ? _socket.CloseAsync(status, description, timeout.Token)
                        : _socket.CloseOutputAsync(status, description, timeout.Token)).ConfigureAwait(false);
                }
            }
            finally
            {
                _sendLock.Release();
            }
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or ObjectDisposedException)
        {
            LogCloseFailed(_shardId, ex.Message);
        }
    }

    /// <summary>Ends the connection: everything waiting on <see cref="Token"/> stops.</summary>
    public Task CancelAsync() => _cts.CancelAsync();

    /// <inheritdoc />
    public void Dispose()
    {
        _cts.Dispose();
        _sendLock.Dispose();
        _socket.Dispose();
    }

    [LoggerMessage(EventId = 4116, Level = LogLevel.Trace, Message = "Shard {ShardId}: sent {Payload}")]
    private partial void LogSent(int shardId, string payload);

    [LoggerMessage(EventId = 4117, Level = LogLevel.Debug, Message = "Shard {ShardId}: closing handshake failed: {Error}")]
    private partial void LogCloseFailed(int shardId, string error);
}

/// <summary>What <see cref="GatewaySocket.ReceiveAsync"/> got.</summary>
internal enum GatewayMessageKind
{
    /// <summary>A whole text message is in the buffer.</summary>
    Text,

    /// <summary>A binary message (not requested: no compression).</summary>
    Binary,

    /// <summary>The server closed the connection.</summary>
    Close,

    /// <summary>A message over <see cref="DiscordOptions.MaxMessageBytes"/>; dropped.</summary>
    TooLarge,
}
