using System.Net.WebSockets;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;

namespace AudioOrchestrator.Ingress.Live;

/// <summary>
/// The one writer of a live socket: a bounded queue of messages (events and answer audio) sent in order, each within
/// <see cref="LiveVoiceOptions.SendTimeout"/>; a client that does not read is aborted (its queue filling up, or a send
/// timing out), which touches nothing else of the session. <see cref="RequestClose"/> ends the stream with an
/// <c>error</c> event and a close frame with the same reason, ahead of anything still queued.
/// </summary>
public sealed partial class LiveSocketSender : IDisposable
{
    private readonly WebSocket _socket;
    private readonly Channel<Outgoing> _queue;
    private readonly TimeSpan _sendTimeout;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _closing = new();
    private LiveClose? _close;
    private Func<LiveClose, byte[]>? _errorMessage;
    private string? _abortReason;
    private long _closingSince;
    private int _done;

    public LiveSocketSender(WebSocket socket, int capacity, TimeSpan sendTimeout, TimeProvider time, ILogger logger)
    {
        _socket = socket ?? throw new ArgumentNullException(nameof(socket));
        _sendTimeout = sendTimeout;
        _time = time;
        _logger = logger;
        _queue = Channel.CreateBounded<Outgoing>(new BoundedChannelOptions(capacity) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });
    }

    /// <summary>Why the server closed the socket (null: it did not, or not yet).</summary>
    public LiveClose? Close => Volatile.Read(ref _close);

    /// <summary>Why the server aborted the socket (null: it did not): the client did not read.</summary>
    public string? AbortReason => Volatile.Read(ref _abortReason);

    /// <summary>When the close was asked for (a <see cref="TimeProvider"/> timestamp); null before.</summary>
    public long? ClosingSince => Interlocked.Read(ref _closingSince) is var at && at != 0 ? at : null;

    /// <summary>True once a close was asked for or the socket was aborted: nothing more is queued.</summary>
    public bool Closing => _closing.IsCancellationRequested;

    /// <summary>Queues a text message without waiting; a full queue means the client does not read: it is aborted.</summary>
    public void OfferText(byte[] utf8Json)
    {
        if (!Closing && !_queue.Writer.TryWrite(new Outgoing(WebSocketMessageType.Text, utf8Json)) && Volatile.Read(ref _done) == 0 && !Closing)
        {
            Abort("queueFull");
        }
    }

    /// <summary>Queues a binary message, waiting for room (the playback loop's back-pressure).</summary>
    public async ValueTask SendBinaryAsync(byte[] data, CancellationToken cancellationToken)
    {
        if (!Closing)
        {
            try
            {
                await _queue.Writer.WriteAsync(new Outgoing(WebSocketMessageType.Binary, data), cancellationToken).ConfigureAwait(false);
            }
            catch (ChannelClosedException)
            {
                // the socket is over
            }
        }
    }

    /// <summary>Asks for the socket to be closed: the <c>error</c> message (from <paramref name="error"/>) and the close frame go next; the first close asked for wins.</summary>
    public void RequestClose(LiveClose close, Func<LiveClose, byte[]>? error)
    {
        if (Interlocked.CompareExchange(ref _close, close, null) is null)
        {
            _errorMessage = error;
            Interlocked.Exchange(ref _closingSince, _time.GetTimestamp());
            try
            {
                _closing.Cancel();
            }
            catch (ObjectDisposedException)
            {
                // the socket is over already
            }
        }
    }

    /// <summary>Sends until the socket closes: queued messages in order, then (when asked) the error and the close frame.</summary>
    public async Task RunAsync(CancellationToken aborted)
    {
        try
        {
            while (!_closing.IsCancellationRequested)
            {
                if (!_queue.Reader.TryRead(out var next))
                {
                    try
                    {
                        await _queue.Reader.WaitToReadAsync(_closing.Token).ConfigureAwait(false);
                    }
                    catch (OperationCanceledException) when (_closing.IsCancellationRequested)
                    {
                    }

                    continue;
                }

                await SendAsync(next.Type, next.Data, aborted).ConfigureAwait(false);
            }

            if (Close is { } close && AbortReason is null && _socket.State is WebSocketState.Open or WebSocketState.CloseReceived)
            {
                if (_errorMessage is { } error && close.Status != WebSocketCloseStatus.NormalClosure)
                {
                    await SendAsync(WebSocketMessageType.Text, error(close), aborted).ConfigureAwait(false);
                }

                using var timeout = new CancellationTokenSource(_sendTimeout, _time);
                using var linked = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token, aborted);
                await _socket.CloseOutputAsync(close.Status, close.FrameReason, linked.Token).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (!aborted.IsCancellationRequested)
        {
            Abort("sendTimeout");
        }
        catch (OperationCanceledException)
        {
            // the connection went away
        }
        catch (WebSocketException)
        {
            // the client went away mid-send
        }
        finally
        {
            Volatile.Write(ref _done, 1);
            _queue.Writer.TryComplete();
        }
    }

    public void Dispose() => _closing.Dispose();

    private async Task SendAsync(WebSocketMessageType type, byte[] data, CancellationToken aborted)
    {
        using var timeout = new CancellationTokenSource(_sendTimeout, _time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token, aborted);
        try
        {
            await _socket.SendAsync(data, type, endOfMessage: true, linked.Token).ConfigureAwait(false);
        }
        catch (Exception) when (timeout.IsCancellationRequested)
        {
            Abort("sendTimeout"); // however the cancelled send surfaced (cancellation, or the stream's abort)
            throw;
        }
    }

    private void Abort(string reason)
    {
        if (Interlocked.CompareExchange(ref _abortReason, reason, null) is null)
        {
            LogAborted(_logger, reason);
            try
            {
                _closing.Cancel();
            }
            catch (ObjectDisposedException)
            {
                // the socket is over already
            }

            _socket.Abort();
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Live socket aborted: the client does not read ({Reason})")]
    private static partial void LogAborted(ILogger logger, string reason);

    private readonly record struct Outgoing(WebSocketMessageType Type, byte[] Data);
}
