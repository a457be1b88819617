using System.Collections.Concurrent;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;

namespace AudioOrchestrator.Discord.Fakes;

/// <summary>One client WebSocket on the fake gateway.</summary>
public sealed class FakeConnection
{
    private readonly FakeDiscordServer _server;
    private readonly WebSocket _socket;
    private readonly SemaphoreSlim _sendLock = new(1, 1);
    private readonly ConcurrentQueue<long?> _heartbeats = new();
    private readonly Queue<TimeSpan> _sendTimes = new();
    private volatile bool _zombie;
    private volatile bool _ended;

    internal FakeConnection(int id, FakeDiscordServer server, WebSocket socket, string path, string query)
    {
        Id = id;
        _server = server;
        _socket = socket;
        Path = path;
        Query = query;
    }

    /// <summary>Connection number (1-based, in order of arrival).</summary>
    public int Id { get; }

    /// <summary>The request path (<c>/gateway</c> or <c>/resume</c>).</summary>
    public string Path { get; }

    /// <summary>The query string, e.g. <c>?v=10&amp;encoding=json</c>.</summary>
    public string Query { get; }

    /// <summary>The session this connection carries, after Identify or Resume.</summary>
    public FakeSession? Session { get; internal set; }

    /// <summary>What the connection did first: 2 Identify, 6 Resume, or 0.</summary>
    public int Handshake { get; private set; }

    /// <summary>The close code the client sent, if it closed.</summary>
    public int? ClientCloseStatus { get; private set; }

    /// <summary>The connection is over.</summary>
    public bool Ended
    {
        get => _ended;
        internal set => _ended = value;
    }

    /// <summary>
    /// A zombie connection: the fake stops acknowledging heartbeats and stops delivering dispatches (they stay in the
    /// session for a Resume to replay).
    /// </summary>
    public bool Zombie
    {
        get => _zombie;
        set => _zombie = value;
    }

    /// <summary>
    /// Heartbeat ACKs are sent this long after the heartbeat (zero: at once). Beyond the heartbeat interval the client
    /// must take the connection for a zombie and reconnect; a shorter delay must not make it reconnect.
    /// </summary>
    public TimeSpan HeartbeatAckDelay { get; set; }

    /// <summary>The <c>d</c> of every heartbeat received.</summary>
    public IReadOnlyList<long?> Heartbeats => _heartbeats.ToArray();

    /// <summary>Sends a raw text frame (for malformed input tests).</summary>
    public async Task SendTextAsync(string text)
    {
        await _sendLock.WaitAsync().ConfigureAwait(false);
        try
        {
            if (_socket.State == WebSocketState.Open)
            {
                await _socket.SendAsync(Encoding.UTF8.GetBytes(text), WebSocketMessageType.Text, true, CancellationToken.None).ConfigureAwait(false);
            }
        }
        finally
        {
            _sendLock.Release();
        }
    }

    /// <summary>Sends a binary frame.</summary>
    public async Task SendBinaryAsync(byte[] data)
    {
        await _sendLock.WaitAsync().ConfigureAwait(false);
        try
        {
            if (_socket.State == WebSocketState.Open)
            {
                await _socket.SendAsync(data, WebSocketMessageType.Binary, true, CancellationToken.None).ConfigureAwait(false);
            }
        }
        finally
        {
            _sendLock.Release();
        }
    }

    /// <summary>Closes the connection with a gateway close code.</summary>
    public async Task CloseAsync(int code, string reason)
    {
        await _sendLock.WaitAsync().ConfigureAwait(false);
        try
        {
            if (_socket.State is WebSocketState.Open or WebSocketState.CloseReceived)
            {
                await _socket.CloseOutputAsync((WebSocketCloseStatus)code, reason, CancellationToken.None).ConfigureAwait(false);
            }
        }
        catch (WebSocketException)
        {
        }
        finally
        {
            _sendLock.Release();
        }
    }

    /// <summary>Drops the TCP connection without a close frame.</summary>
    public void Abort()
    {
        _ended = true;
        _socket.Abort();
    }

    private const string HeartbeatAck = "{\"t\":null,\"s\":null,\"op\":11,\"d\":null}";

    private async Task AcknowledgeLaterAsync(TimeSpan delay)
    {
        await Task.Delay(delay, _server.Options.TimeProvider).ConfigureAwait(false);
        if (!_ended)
        {
            try
            {
                await SendTextAsync(HeartbeatAck).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is WebSocketException or ObjectDisposedException or IOException)
            {
                // The connection ended meanwhile.
            }
        }
    }

    internal async Task RunAsync(CancellationToken cancellationToken)
    {
        await SendTextAsync(FakeDiscordServer.Json(w =>
        {
            w.WriteStartObject();
            w.WriteNull("t");
            w.WriteNull("s");
            w.WriteNumber("op", 10);
            w.WriteStartObject("d");
            w.WriteNumber("heartbeat_interval", _server.Options.HeartbeatIntervalMs);
            w.WriteEndObject();
            w.WriteEndObject();
        })).ConfigureAwait(false);

        var query = Query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries)
            .Select(p => p.Split('=', 2))
            .ToDictionary(p => p[0], p => p.Length > 1 ? p[1] : string.Empty, StringComparer.Ordinal);
        if (!query.TryGetValue("v", out var version) || version != "10")
        {
            await CloseAsync(4012, "Invalid API version").ConfigureAwait(false);
        }
        else if (query.TryGetValue("encoding", out var encoding) && encoding != "json")
        {
            await CloseAsync(4002, "Error while decoding payload.").ConfigureAwait(false);
        }

        var buffer = new byte[64 * 1024];
        using var message = new MemoryStream();
        while (!cancellationToken.IsCancellationRequested)
        {
            message.SetLength(0);
            WebSocketReceiveResult result;
            do
            {
                result = await _socket.ReceiveAsync(buffer, cancellationToken).ConfigureAwait(false);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    ClientCloseStatus = (int?)_socket.CloseStatus;
                    if (_server.Options.IgnoreClientClose)
                    {
                        await Task.Delay(Timeout.Infinite, cancellationToken).ConfigureAwait(false);
                    }

                    if (_socket.State == WebSocketState.CloseReceived)
                    {
                        await CloseAsync((int)(_socket.CloseStatus ?? WebSocketCloseStatus.NormalClosure), string.Empty).ConfigureAwait(false);
                    }

                    if (ClientCloseStatus is 1000 or 1001)
                    {
                        // Closing with 1000/1001 ends the session.
                        Session?.Invalidate();
                    }

                    return;
                }

                message.Write(buffer, 0, result.Count);
            }
            while (!result.EndOfMessage);

            if (_socket.State != WebSocketState.Open)
            {
                continue;
            }

            await HandleAsync(message.ToArray()).ConfigureAwait(false);
        }
    }

    private async Task HandleAsync(byte[] payload)
    {
        var now = _server.Elapsed;
        _sendTimes.Enqueue(now);
        while (_sendTimes.Count > 0 && now - _sendTimes.Peek() >= _server.Options.SendWindow)
        {
            _sendTimes.Dequeue();
        }

        if (_sendTimes.Count > _server.Options.SendLimit)
        {
            await CloseAsync(4008, "Rate limited.").ConfigureAwait(false);
            return;
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(payload);
        }
        catch (JsonException)
        {
            await CloseAsync(4002, "Error while decoding payload.").ConfigureAwait(false);
            return;
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("op", out var opElement) || !opElement.TryGetInt32(out var op))
            {
                await CloseAsync(4002, "Error while decoding payload.").ConfigureAwait(false);
                return;
            }

            _server.Record(new FakeReceivedPayload(Id, op, Encoding.UTF8.GetString(payload), now));
            var d = root.TryGetProperty("d", out var data) ? data : default;
            switch (op)
            {
                case 1:
                    _heartbeats.Enqueue(d.ValueKind == JsonValueKind.Number ? d.GetInt64() : null);
                    if (!Zombie && HeartbeatAckDelay > TimeSpan.Zero)
                    {
                        _ = AcknowledgeLaterAsync(HeartbeatAckDelay);
                    }
                    else if (!Zombie)
                    {
                        await SendTextAsync(HeartbeatAck).ConfigureAwait(false);
                    }

                    return;
                case 2:
                    await IdentifyAsync(d).ConfigureAwait(false);
                    return;
                case 6:
                    await ResumeAsync(d).ConfigureAwait(false);
                    return;
                case 3 or 4 or 8 or 31 or 43:
                    if (Session is null)
                    {
                        await CloseAsync(4003, "Not authenticated.").ConfigureAwait(false);
                        return;
                    }

                    if (op == 4)
                    {
                        await VoiceStateUpdateAsync(d).ConfigureAwait(false);
                    }

                    return;
                default:
                    await CloseAsync(4001, "Unknown opcode.").ConfigureAwait(false);
                    return;
            }
        }
    }

    private async Task IdentifyAsync(JsonElement d)
    {
        var options = _server.Options;
        if (Session is not null || Handshake != 0)
        {
            await CloseAsync(4005, "Already authenticated.").ConfigureAwait(false);
            return;
        }

        if (d.ValueKind != JsonValueKind.Object || !d.TryGetProperty("properties", out var properties) || properties.ValueKind != JsonValueKind.Object
            || !d.TryGetProperty("intents", out var intentsElement) || !intentsElement.TryGetInt32(out var intents))
        {
            await CloseAsync(4002, "Error while decoding payload.").ConfigureAwait(false);
            return;
        }

        if (!d.TryGetProperty("token", out var token) || token.GetString() != options.Token)
        {
            await CloseAsync(4004, "Authentication failed.").ConfigureAwait(false);
            return;
        }

        if ((intents & ~options.AllowedIntents) != 0)
        {
            await CloseAsync(4014, "Disallowed intent(s).").ConfigureAwait(false);
            return;
        }

        int shardId = 0, shardCount = 1;
        if (d.TryGetProperty("shard", out var shard))
        {
            if (shard.ValueKind != JsonValueKind.Array || shard.GetArrayLength() != 2
                || !shard[0].TryGetInt32(out shardId) || !shard[1].TryGetInt32(out shardCount)
                || shardCount < 1 || shardId < 0 || shardId >= shardCount)
            {
                await CloseAsync(4010, "Invalid shard.").ConfigureAwait(false);
                return;
            }
        }

        if (!_server.TryTakeIdentify(shardId))
        {
            // Identify concurrency exceeded: Invalid Session.
            await SendTextAsync("{\"t\":null,\"s\":null,\"op\":9,\"d\":false}").ConfigureAwait(false);
            return;
        }

        Handshake = 2;
        var session = _server.CreateSession(shardId, shardCount);
        session.Attach(this);
        await session.DispatchReadyAsync().ConfigureAwait(false);
    }

    private async Task ResumeAsync(JsonElement d)
    {
        if (Session is not null || Handshake != 0)
        {
            await CloseAsync(4005, "Already authenticated.").ConfigureAwait(false);
            return;
        }

        if (d.ValueKind != JsonValueKind.Object || !d.TryGetProperty("session_id", out var sessionId) || sessionId.ValueKind != JsonValueKind.String
            || !d.TryGetProperty("seq", out var seqElement) || !seqElement.TryGetInt64(out var seq))
        {
            await CloseAsync(4002, "Error while decoding payload.").ConfigureAwait(false);
            return;
        }

        if (!d.TryGetProperty("token", out var token) || token.GetString() != _server.Options.Token)
        {
            await CloseAsync(4004, "Authentication failed.").ConfigureAwait(false);
            return;
        }

        var session = _server.FindSession(sessionId.GetString()!);
        if (session is null || seq > session.Sequence)
        {
            await SendTextAsync("{\"t\":null,\"s\":null,\"op\":9,\"d\":false}").ConfigureAwait(false);
            return;
        }

        Handshake = 6;
        await session.ResumeAsync(this, seq).ConfigureAwait(false);
    }

    private async Task VoiceStateUpdateAsync(JsonElement d)
    {
        if (d.ValueKind != JsonValueKind.Object || !d.TryGetProperty("guild_id", out var guild) || !ulong.TryParse(guild.GetString(), out var guildId)
            || !d.TryGetProperty("channel_id", out var channel) || !d.TryGetProperty("self_mute", out var selfMute) || !d.TryGetProperty("self_deaf", out var selfDeaf))
        {
            await CloseAsync(4002, "Error while decoding payload.").ConfigureAwait(false);
            return;
        }

        ulong? channelId = channel.ValueKind == JsonValueKind.String && ulong.TryParse(channel.GetString(), out var c) ? c : null;
        var session = Session!;
        _server.Record(new FakeVoiceStateRequest(session.ShardId, guildId, channelId, selfMute.GetBoolean(), selfDeaf.GetBoolean(), _server.Elapsed));
        await session.AnswerVoiceStateUpdateAsync(guildId, channelId, selfMute.GetBoolean(), selfDeaf.GetBoolean()).ConfigureAwait(false);
    }
}
