using System.Net.WebSockets;

namespace AudioOrchestrator.Discord.Fakes.Voice;

/// <summary>One voice WebSocket on the fake.</summary>
public sealed class FakeVoiceConnection
{
    private readonly WebSocket _socket;
    private readonly SemaphoreSlim _sendLock = new(1, 1);

    internal FakeVoiceConnection(int id, WebSocket socket)
    {
        Id = id;
        _socket = socket;
    }

    public int Id { get; }

    /// <summary>The session identified or resumed on this connection.</summary>
    public FakeVoiceSession? Session { get; internal set; }

    /// <summary>The close code we sent, if any.</summary>
    public int? ClosedWith { get; private set; }

    /// <summary>Client ops received (JSON op numbers, binary op bytes).</summary>
    public IReadOnlyList<int> ReceivedOps => [.. ReceivedLog];

    internal List<int> ReceivedLog { get; } = [];

    public bool Ended { get; internal set; }

    /// <summary>Heartbeat ACKs (op 6) are sent this long after the heartbeat (zero: at once; see <see cref="FakeVoiceServerOptions.AckHeartbeats"/>).</summary>
    public TimeSpan HeartbeatAckDelay { get; set; }

    /// <summary>Drops the TCP connection without a close frame.</summary>
    public void Abort()
    {
        Ended = true;
        _socket.Abort();
    }

    internal WebSocket Socket => _socket;

    internal async Task SendAsync(byte[] data, bool binary)
    {
        if (Ended)
        {
            return;
        }

        await _sendLock.WaitAsync().ConfigureAwait(false);
        try
        {
            await _socket.SendAsync(data, binary ? WebSocketMessageType.Binary : WebSocketMessageType.Text, true, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is WebSocketException or ObjectDisposedException or IOException or OperationCanceledException)
        {
            Ended = true;
        }
        finally
        {
            _sendLock.Release();
        }
    }

    /// <summary>Closes with a close code.</summary>
    public async Task CloseAsync(int code, string reason)
    {
        ClosedWith = code;
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
            await _socket.CloseOutputAsync((WebSocketCloseStatus)code, reason, timeout.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is WebSocketException or ObjectDisposedException or IOException or OperationCanceledException)
        {
            // Gone already.
        }

        Ended = true;
    }
}
