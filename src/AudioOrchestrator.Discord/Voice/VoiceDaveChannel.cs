using System.Net.WebSockets;
using AudioOrchestrator.Dave.Frames;
using AudioOrchestrator.Dave.Session;
using Microsoft.Extensions.Logging;

namespace AudioOrchestrator.Discord.Voice;

/// <summary>Sends one whole message on the voice gateway.</summary>
internal delegate Task VoiceGatewaySend(ReadOnlyMemory<byte> message, WebSocketMessageType type, CancellationToken cancellationToken);

/// <summary>
/// The DAVE side of a voice connection: the <see cref="DaveSession"/> behind one lock, shared by the gateway receive
/// loop (ops 4, 11, 13, 21–31, whose replies are sent as JSON or <c>[op][payload]</c> binary messages), the UDP
/// receive loop (frame decryption) and the sender (frame encryption). The session's errors are logged, never thrown.
/// </summary>
internal sealed partial class VoiceDaveChannel : IDisposable
{
    private readonly Lock _gate = new();
    private readonly DaveSession _session;
    private readonly VoiceGatewaySend _send;
    private readonly ILogger _logger;
    private readonly ulong _guildId;

    /// <summary>Wraps <paramref name="session"/> (owned: disposed with this); <paramref name="send"/> sends its replies.</summary>
    public VoiceDaveChannel(DaveSession session, VoiceGatewaySend send, ILogger logger, ulong guildId)
    {
        _session = session;
        _send = send;
        _logger = logger;
        _guildId = guildId;
    }

    /// <summary>The session (read it outside the lock only for state that the loops do not change under it).</summary>
    public DaveSession Session => _session;

    /// <summary>True once our sender key is in place, or in passthrough.</summary>
    public bool CanEncrypt
    {
        get
        {
            lock (_gate)
            {
                return _session.Encryptor.Passthrough || _session.Encryptor.HasKey;
            }
        }
    }

    /// <summary>Session Description: the agreed protocol version (0 = passthrough); sends our key package for a non-zero one.</summary>
    public Task OnSelectProtocolAckAsync(int protocolVersion, CancellationToken cancellationToken) =>
        SendAsync(With(s => s.OnSelectProtocolAck(protocolVersion)), cancellationToken);

    /// <summary>Clients Connect (op 11).</summary>
    public void OnClientsConnect(IReadOnlyList<ulong> userIds) => With(s =>
    {
        s.OnClientsConnect(userIds);
        return [];
    });

    /// <summary>Client Disconnect (op 13).</summary>
    public void OnClientDisconnect(ulong userId) => With(s =>
    {
        s.OnClientDisconnect(userId);
        return [];
    });

    /// <summary>A JSON DAVE message (ops 21, 22, 24); replies are sent.</summary>
    public Task HandleJsonAsync(byte[] message, CancellationToken cancellationToken) =>
        SendAsync(With(s => s.HandleJson(message)), cancellationToken);

    /// <summary>A binary DAVE message (ops 25–30, <c>[seq][op][payload]</c>); replies are sent.</summary>
    public Task HandleBinaryAsync(byte[] message, CancellationToken cancellationToken) =>
        SendAsync(With(s => s.HandleBinary(message)), cancellationToken);

    /// <summary>Encrypts one of our Opus frames (see <see cref="DaveSession.Encrypt"/>).</summary>
    public FrameEncryptResult Encrypt(ReadOnlySpan<byte> frame, Span<byte> output, out int written)
    {
        lock (_gate)
        {
            return _session.Encrypt(frame, output, out written);
        }
    }

    /// <summary>Decrypts an Opus frame of <paramref name="senderUserId"/> (see <see cref="DaveSession.Decrypt"/>).</summary>
    public FrameDecryptResult Decrypt(ulong senderUserId, ReadOnlySpan<byte> frame, Span<byte> output, out int written)
    {
        lock (_gate)
        {
            return _session.Decrypt(senderUserId, frame, output, out written);
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            _session.Dispose();
        }
    }

    private IReadOnlyList<DaveOutgoing> With(Func<DaveSession, IReadOnlyList<DaveOutgoing>> action)
    {
        lock (_gate)
        {
            var result = action(_session);
            if (_session.LastError is { } error)
            {
                LogDaveError(_guildId, error);
            }

            return result;
        }
    }

    private async Task SendAsync(IReadOnlyList<DaveOutgoing> outgoing, CancellationToken cancellationToken)
    {
        foreach (var message in outgoing)
        {
            await _send(message.Encode(), message.IsBinary ? WebSocketMessageType.Binary : WebSocketMessageType.Text, cancellationToken).ConfigureAwait(false);
        }
    }

    [LoggerMessage(EventId = 4210, Level = LogLevel.Debug, Message = "Voice {GuildId}: DAVE: {Error}")]
    private partial void LogDaveError(ulong guildId, string error);
}
