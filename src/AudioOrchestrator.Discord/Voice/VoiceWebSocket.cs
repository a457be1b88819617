using System.Buffers;
using System.Net.WebSockets;
using System.Text.Json;

namespace AudioOrchestrator.Discord.Voice;

/// <summary>
/// The WebSocket I/O of a voice control connection: the current socket (each open replaces and disposes the previous
/// one), whole messages received up to <see cref="MaxMessageLength"/>, whole messages (JSON ones in the
/// <c>{"op", "d"}</c> envelope) sent one at a time, closing.
/// </summary>
internal sealed class VoiceWebSocket : IDisposable
{
    /// <summary>A longer message aborts the socket.</summary>
    public const int MaxMessageLength = 1 << 20;

    private readonly SemaphoreSlim _sendLock = new(1, 1);
    private ClientWebSocket? _current;

    /// <summary>The socket opened last (null before the first open).</summary>
    public ClientWebSocket? Current => _current;

    /// <summary>Connects a new socket to <paramref name="uri"/> within <paramref name="timeout"/>; it replaces <see cref="Current"/>.</summary>
    public async Task OpenAsync(Uri uri, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var socket = new ClientWebSocket();
        try
        {
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            linked.CancelAfter(timeout);
            await socket.ConnectAsync(uri, linked.Token).ConfigureAwait(false);
        }
        catch
        {
            socket.Dispose();
            throw;
        }

        var old = _current;
        _current = socket;
        old?.Dispose();
    }

    /// <summary>
    /// Receives one whole message of <paramref name="socket"/> into <paramref name="buffer"/> (reset first); returns
    /// its type (<see cref="WebSocketMessageType.Close"/> for the close), or null when it was too long (the socket is
    /// aborted then).
    /// </summary>
    public static async Task<WebSocketMessageType?> ReceiveAsync(ClientWebSocket socket, ArrayBufferWriter<byte> buffer, CancellationToken cancellationToken)
    {
        buffer.ResetWrittenCount();
        ValueWebSocketReceiveResult result;
        do
        {
            result = await socket.ReceiveAsync(buffer.GetMemory(4096), cancellationToken).ConfigureAwait(false);
            buffer.Advance(result.Count);
            if (buffer.WrittenCount > MaxMessageLength)
            {
                socket.Abort();
                return null;
            }
        }
        while (!result.EndOfMessage);

        return result.MessageType;
    }

    /// <summary>Sends <c>{"op": op, "d": {…}}</c>, the <c>d</c> members written by <paramref name="writeData"/>.</summary>
    public Task SendJsonAsync(int op, Action<Utf8JsonWriter> writeData, CancellationToken cancellationToken)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteNumber("op", op);
            writer.WriteStartObject("d");
            writeData(writer);
            writer.WriteEndObject();
            writer.WriteEndObject();
        }

        return SendAsync(buffer.WrittenMemory, WebSocketMessageType.Text, cancellationToken);
    }

    /// <summary>Sends one whole message on <see cref="Current"/>; one send at a time.</summary>
    public async Task SendAsync(ReadOnlyMemory<byte> message, WebSocketMessageType type, CancellationToken cancellationToken)
    {
        var socket = _current ?? throw new InvalidOperationException("Not connected.");
        await _sendLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await socket.SendAsync(message, type, true, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _sendLock.Release();
        }
    }

    /// <summary>Sends a normal close (1000, waiting up to 2 s) if <paramref name="socket"/> is open, then aborts it.</summary>
    public static async Task CloseAsync(ClientWebSocket? socket)
    {
        if (socket is { State: WebSocketState.Open })
        {
            try
            {
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
                await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "bye", timeout.Token).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or ObjectDisposedException)
            {
                // Already gone.
            }
        }

        socket?.Abort();
    }

    public void Dispose()
    {
        _current?.Dispose();
        _sendLock.Dispose();
    }
}
