using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Net.WebSockets;
using System.Security.Cryptography;
using System.Text.Json;
using AudioOrchestrator.Dave.Codec;
using AudioOrchestrator.Dave.Session;
using AudioOrchestrator.Discord.Voice.Crypto;
using AudioOrchestrator.Discord.Voice.Udp;
using AudioOrchestrator.Mls.Crypto;
using AudioOrchestrator.Mls.Group;
using AudioOrchestrator.Mls.Messages;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace AudioOrchestrator.Discord.Fakes.Voice;

/// <summary>
/// A local Discord voice server written from the voice documentation: the v8 voice WebSocket at <c>/voice</c>
/// (Identify, Ready, Select Protocol, Session Description, heartbeats with <c>seq_ack</c>, buffered resume,
/// Speaking, Clients Connect/Disconnect, close codes, DAVE as the group's external sender; clients without DAVE
/// are closed with 4017) and a UDP endpoint doing IP discovery and relaying encrypted RTP between the bot
/// and simulated users (<see cref="FakeVoiceUser"/>), decrypting with the sender's key and re-encrypting with
/// each receiver's.
/// </summary>
public sealed partial class FakeVoiceServer : IAsyncDisposable
{
    private static readonly CipherSuite Suite = CipherSuite.Get(CipherSuite.P256Aes128Sha256);

    private readonly WebApplication _app;
    private readonly Socket _udp;
    private readonly CancellationTokenSource _stop = new();
    private readonly ConcurrentDictionary<string, FakeVoiceSession> _sessions = new();
    private readonly ConcurrentQueue<FakeVoiceConnection> _connections = new();
    private readonly List<FakeVoiceUser> _users = [];
    private readonly ConcurrentDictionary<ulong, FakeVoiceUser> _speaking = new();
    private readonly SemaphoreSlim _dave = new(1, 1);
    private readonly byte[] _externalSenderKey;
    private readonly ExternalSender _externalSender;
    private Task? _udpTask;
    private int _nextConnectionId;
    private int _nextSsrc = 1000;
    private ushort _nextTransition;
    private ulong _epoch;
    private long _relayed;
    private long _relayDropped;
    private PendingTransition? _pending;

    private FakeVoiceServer(WebApplication app, FakeVoiceServerOptions options)
    {
        _app = app;
        Options = options;
        _udp = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        _udp.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        (_externalSenderKey, var publicKey) = Suite.GenerateSignatureKeyPair();
        _externalSender = new ExternalSender(publicKey, DaveIdentity.Credential(1));
    }

    public FakeVoiceServerOptions Options { get; }

    /// <summary>The endpoint to hand out in VOICE_SERVER_UPDATE (a ws:// URL the client accepts as is).</summary>
    public string Endpoint { get; private set; } = string.Empty;

    /// <summary>
    /// Another endpoint of this server (a path under <see cref="Endpoint"/>): what a VOICE_SERVER_UPDATE of a moved call
    /// points at, so the client connects anew while the simulated users stay where they are.
    /// </summary>
    public string EndpointVia(string node) => Endpoint + "/" + Uri.EscapeDataString(node);

    /// <summary>The UDP endpoint.</summary>
    public IPEndPoint UdpEndpoint => (IPEndPoint)_udp.LocalEndPoint!;

    public IReadOnlyList<FakeVoiceConnection> Connections => [.. _connections];

    public IReadOnlyCollection<FakeVoiceSession> Sessions => [.. _sessions.Values];

    /// <summary>RTP packets relayed (per receiver).</summary>
    public long Relayed => Interlocked.Read(ref _relayed);

    /// <summary>Datagrams the relay could not attribute or decrypt.</summary>
    public long RelayDropped => Interlocked.Read(ref _relayDropped);

    /// <summary>The current DAVE epoch as the external sender sees it.</summary>
    public ulong DaveEpoch => _epoch;

    public static async Task<FakeVoiceServer> StartAsync(FakeVoiceServerOptions? options = null, CancellationToken cancellationToken = default)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        var server = new FakeVoiceServer(app, options ?? new FakeVoiceServerOptions());
        app.UseWebSockets();
        app.Map("/voice", server.HandleVoiceAsync);
        app.Map("/voice/{node}", server.HandleVoiceAsync);
        await app.StartAsync(cancellationToken).ConfigureAwait(false);
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        server.Endpoint = address.Replace("http://", "ws://", StringComparison.Ordinal).TrimEnd('/') + "/voice";
        server._udpTask = Task.Run(server.UdpLoopAsync, CancellationToken.None);
        return server;
    }

    /// <summary>
    /// Adds a simulated user to the channel: UDP socket, IP discovery, its own key; DAVE member unless <paramref name="dave"/>
    /// is false (our own <see cref="DaveSession"/> unless <paramref name="daveMember"/> is given, e.g. davey).
    /// </summary>
    public async Task<FakeVoiceUser> AddUserAsync(ulong userId, bool dave = true, VoiceEncryptionMode mode = VoiceEncryptionMode.AeadAes256GcmRtpSize, IFakeDaveMember? daveMember = null)
    {
        var member = dave ? daveMember ?? new OwnDaveMember(new DaveSession(userId, Options.ChannelId)) : null;
        var user = new FakeVoiceUser(this, userId, (uint)Interlocked.Increment(ref _nextSsrc), mode, member);
        await user.DiscoverAsync().ConfigureAwait(false);
        await _dave.WaitAsync().ConfigureAwait(false);
        try
        {
            lock (_users)
            {
                _users.Add(user);
            }

            foreach (var session in _sessions.Values)
            {
                await SendJsonAsync(session, 11, w =>
                {
                    w.WriteStartArray("user_ids");
                    w.WriteStringValue(userId.ToString(CultureInfo.InvariantCulture));
                    w.WriteEndArray();
                }).ConfigureAwait(false);
            }

            if (user.Dave is not null)
            {
                await JoinDaveAsync(user).ConfigureAwait(false);
            }
        }
        finally
        {
            _dave.Release();
        }

        return user;
    }

    /// <summary>Sends Speaking (op 5) for a user to every bot session: maps its SSRC.</summary>
    public async Task AnnounceSpeakingAsync(FakeVoiceUser user)
    {
        ArgumentNullException.ThrowIfNull(user);
        _speaking[user.UserId] = user;
        foreach (var session in _sessions.Values)
        {
            await SendSpeakingAsync(session, user).ConfigureAwait(false);
        }
    }

    private Task SendSpeakingAsync(FakeVoiceSession session, FakeVoiceUser user) => SendJsonAsync(session, 5, w =>
    {
        w.WriteString("user_id", user.UserId.ToString(CultureInfo.InvariantCulture));
        w.WriteNumber("ssrc", user.Ssrc);
        w.WriteNumber("speaking", 1);
    });

    /// <summary>A user leaves: Client Disconnect (op 13) to every bot session.</summary>
    public async Task RemoveUserAsync(FakeVoiceUser user)
    {
        ArgumentNullException.ThrowIfNull(user);
        lock (_users)
        {
            _users.Remove(user);
        }

        _speaking.TryRemove(user.UserId, out _);
        foreach (var session in _sessions.Values)
        {
            await SendJsonAsync(session, 13, w => w.WriteString("user_id", user.UserId.ToString(CultureInfo.InvariantCulture))).ConfigureAwait(false);
        }

        await LeaveDaveAsync(user).ConfigureAwait(false);
    }

    /// <summary>Sends a raw WebSocket message to a bot session (malformed input, unknown opcodes).</summary>
    public Task SendRawMessageAsync(FakeVoiceSession session, byte[] message, bool binary)
    {
        ArgumentNullException.ThrowIfNull(session);
        return session.Connection?.SendAsync(message, binary) ?? Task.CompletedTask;
    }

    /// <summary>Sends a raw datagram to a bot session's UDP endpoint from the server's UDP port.</summary>
    public async Task SendRawToBotAsync(FakeVoiceSession session, byte[] datagram)
    {
        ArgumentNullException.ThrowIfNull(session);
        await _udp.SendToAsync(datagram, SocketFlags.None, session.UdpEndpoint!).ConfigureAwait(false);
    }

    /// <summary>Seals <paramref name="payload"/> with a bot session's key, as the relay would (for crafted packets).</summary>
    public byte[] SealForBot(FakeVoiceSession session, ReadOnlySpan<byte> header, ReadOnlySpan<byte> payload)
    {
        ArgumentNullException.ThrowIfNull(session);
        var packet = new byte[VoiceTransportCipher.SealedLength(header.Length, payload.Length)];
        lock (session)
        {
            session.Cipher!.Seal(header, payload, packet);
        }

        return packet;
    }

    /// <summary>Closes a session's current connection with a close code.</summary>
    public Task CloseAsync(FakeVoiceSession session, int code, string reason = "")
    {
        ArgumentNullException.ThrowIfNull(session);
        return session.Connection?.CloseAsync(code, reason) ?? Task.CompletedTask;
    }

    /// <summary>Forgets a session: a later resume fails with 4006.</summary>
    public void InvalidateSession(FakeVoiceSession session)
    {
        ArgumentNullException.ThrowIfNull(session);
        _sessions.TryRemove(session.SessionId, out _);
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        foreach (var connection in _connections)
        {
            connection.Abort();
        }

        _udp.Dispose();
        if (_udpTask is not null)
        {
            await _udpTask.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }

        FakeVoiceUser[] users;
        lock (_users)
        {
            users = [.. _users];
        }

        foreach (var user in users)
        {
            await user.DisposeAsync().ConfigureAwait(false);
        }

        await _app.StopAsync().ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
        _stop.Dispose();
    }

    internal FakeVoiceUser[] Users()
    {
        lock (_users)
        {
            return [.. _users];
        }
    }

    private IEnumerable<ulong> UserIds() => Users().Select(u => u.UserId).Concat(_sessions.Values.Select(s => s.UserId));

    private async Task HandleVoiceAsync(HttpContext context)
    {
        if (!context.WebSockets.IsWebSocketRequest)
        {
            context.Response.StatusCode = StatusCodes.Status400BadRequest;
            return;
        }

        using var socket = await context.WebSockets.AcceptWebSocketAsync().ConfigureAwait(false);
        var connection = new FakeVoiceConnection(Interlocked.Increment(ref _nextConnectionId), socket);
        _connections.Enqueue(connection);
        try
        {
            await RunConnectionAsync(connection, context.Request.Query["v"].ToString(), context.RequestAborted).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or IOException or ObjectDisposedException)
        {
            // Dropped.
        }
        finally
        {
            connection.Ended = true;
            if (connection.Session is { } s && s.Connection == connection)
            {
                s.Connection = null;
            }
        }
    }

    private async Task RunConnectionAsync(FakeVoiceConnection connection, string version, CancellationToken cancellationToken)
    {
        await connection.SendAsync(Json(8, null, w => w.WriteNumber("heartbeat_interval", Options.HeartbeatIntervalMs)), false).ConfigureAwait(false);
        if (version != "8")
        {
            await connection.CloseAsync(4012, "Unknown protocol version.").ConfigureAwait(false);
            return;
        }

        var buffer = new byte[64 * 1024];
        using var message = new MemoryStream();
        while (!cancellationToken.IsCancellationRequested && !connection.Ended)
        {
            message.SetLength(0);
            WebSocketReceiveResult result;
            do
            {
                result = await connection.Socket.ReceiveAsync(buffer, cancellationToken).ConfigureAwait(false);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    return;
                }

                message.Write(buffer, 0, result.Count);
            }
            while (!result.EndOfMessage);

            var data = message.ToArray();
            if (result.MessageType == WebSocketMessageType.Binary)
            {
                await OnClientBinaryAsync(connection, data).ConfigureAwait(false);
            }
            else
            {
                await OnClientJsonAsync(connection, data).ConfigureAwait(false);
            }
        }
    }

    private async Task OnClientJsonAsync(FakeVoiceConnection connection, byte[] data)
    {
        JsonElement root;
        try
        {
            using var document = JsonDocument.Parse(data);
            root = document.RootElement.Clone();
        }
        catch (JsonException)
        {
            await connection.CloseAsync(4002, "Failed to decode payload.").ConfigureAwait(false);
            return;
        }

        var op = root.GetProperty("op").GetInt32();
        var d = root.GetProperty("d");
        lock (connection.ReceivedLog)
        {
            connection.ReceivedLog.Add(op);
        }

        var session = connection.Session;
        if (session is null && op is not (0 or 7 or 3))
        {
            await connection.CloseAsync(4003, "Not authenticated.").ConfigureAwait(false);
            return;
        }

        switch (op)
        {
            case 0:
                await OnIdentifyAsync(connection, d).ConfigureAwait(false);
                break;
            case 7:
                await OnResumeAsync(connection, d).ConfigureAwait(false);
                break;
            case 3:
                if (d.TryGetProperty("seq_ack", out var ack) && session is not null)
                {
                    lock (session.SeqAckLog)
                    {
                        session.SeqAckLog.Add(ack.GetInt32());
                    }
                }

                if (Options.AckHeartbeats)
                {
                    var heartbeatAck = Json(6, null, w => w.WriteNumber("t", d.GetProperty("t").GetInt64()));
                    if (connection.HeartbeatAckDelay > TimeSpan.Zero)
                    {
                        _ = AcknowledgeLaterAsync(connection, heartbeatAck, connection.HeartbeatAckDelay);
                    }
                    else
                    {
                        await connection.SendAsync(heartbeatAck, false).ConfigureAwait(false);
                    }
                }

                break;
            case 1:
                await OnSelectProtocolAsync(session!, d).ConfigureAwait(false);
                break;
            case 5:
                lock (session!.SpeakingLog)
                {
                    session.SpeakingLog.Add(d.GetProperty("speaking").GetInt32());
                }

                break;
            case 23:
                await OnReadyForTransitionAsync(session!, d.GetProperty("transition_id").GetUInt16()).ConfigureAwait(false);
                break;
            case 31:
                await OnInvalidCommitWelcomeAsync(session!, d.GetProperty("transition_id").GetUInt16()).ConfigureAwait(false);
                break;
            default:
                break;
        }
    }

    private static async Task AcknowledgeLaterAsync(FakeVoiceConnection connection, byte[] ack, TimeSpan delay)
    {
        await Task.Delay(delay).ConfigureAwait(false);
        await connection.SendAsync(ack, false).ConfigureAwait(false);
    }

    private async Task OnIdentifyAsync(FakeVoiceConnection connection, JsonElement d)
    {
        var token = d.GetProperty("token").GetString() ?? string.Empty;
        if (token.Length == 0 || (Options.Token is { } expected && token != expected))
        {
            await connection.CloseAsync(4004, "Authentication failed.").ConfigureAwait(false);
            return;
        }

        var dave = d.TryGetProperty("max_dave_protocol_version", out var m) && m.ValueKind == JsonValueKind.Number ? m.GetInt32() : 0;
        if (dave < 1 && Options.RequireDave)
        {
            await connection.CloseAsync(4017, "E2EE/DAVE protocol required.").ConfigureAwait(false);
            return;
        }

        var session = new FakeVoiceSession(
            d.GetProperty("session_id").GetString()!,
            token,
            ulong.Parse(d.GetProperty("user_id").GetString()!, CultureInfo.InvariantCulture),
            ulong.Parse(d.GetProperty("server_id").GetString()!, CultureInfo.InvariantCulture),
            (uint)Interlocked.Increment(ref _nextSsrc),
            Math.Min(dave, 1))
        { Connection = connection };
        connection.Session = session;
        _sessions[session.SessionId] = session;
        await SendJsonAsync(session, 2, w =>
        {
            w.WriteNumber("ssrc", session.Ssrc);
            w.WriteString("ip", "127.0.0.1");
            w.WriteNumber("port", UdpEndpoint.Port);
            w.WriteStartArray("modes");
            foreach (var mode in Options.Modes)
            {
                w.WriteStringValue(mode);
            }

            w.WriteEndArray();
            w.WriteNumber("heartbeat_interval", 1);
        }).ConfigureAwait(false);

        var users = Users();
        if (users.Length > 0)
        {
            await SendJsonAsync(session, 11, w =>
            {
                w.WriteStartArray("user_ids");
                foreach (var user in users)
                {
                    w.WriteStringValue(user.UserId.ToString(CultureInfo.InvariantCulture));
                }

                w.WriteEndArray();
            }).ConfigureAwait(false);
            foreach (var user in users.Where(u => u.Dave is not null))
            {
                user.WithDave(d => d.OnClientsConnect([session.UserId]));
            }

            // A client that connects while others talk learns their SSRCs from Speaking, as on Discord.
            foreach (var user in users.Where(u => _speaking.ContainsKey(u.UserId)))
            {
                await SendSpeakingAsync(session, user).ConfigureAwait(false);
            }
        }
    }

    private async Task OnResumeAsync(FakeVoiceConnection connection, JsonElement d)
    {
        var sessionId = d.GetProperty("session_id").GetString() ?? string.Empty;
        if (!_sessions.TryGetValue(sessionId, out var session) || session.Token != d.GetProperty("token").GetString())
        {
            await connection.CloseAsync(4006, "Session no longer valid.").ConfigureAwait(false);
            return;
        }

        var seqAck = d.TryGetProperty("seq_ack", out var ack) ? ack.GetInt32() : -1;
        lock (session.SeqAckLog)
        {
            session.SeqAckLog.Add(seqAck);
        }

        session.Connection = connection;
        connection.Session = session;
        // Resumed (op 9), then every numbered message the client did not acknowledge.
        await connection.SendAsync(Json(9, null, null), false).ConfigureAwait(false);
        foreach (var (_, data, binary) in session.SentAfter(seqAck))
        {
            await connection.SendAsync(data, binary).ConfigureAwait(false);
        }
    }

    private async Task OnSelectProtocolAsync(FakeVoiceSession session, JsonElement d)
    {
        var data = d.GetProperty("data");
        if (!VoiceEncryptionModes.TryParse(data.GetProperty("mode").GetString(), out var mode) || !Options.Modes.Contains(mode.ToWireName()))
        {
            await session.Connection!.CloseAsync(4016, "Unknown encryption mode.").ConfigureAwait(false);
            return;
        }

        session.AnnouncedAddress = data.GetProperty("address").GetString();
        session.Mode = mode;
        var key = RandomNumberGenerator.GetBytes(VoiceTransportCipher.KeyLength);
        lock (session)
        {
            session.Cipher = new VoiceTransportCipher(mode, key);
        }

        await SendJsonAsync(session, 4, w =>
        {
            w.WriteString("mode", mode.ToWireName());
            w.WriteStartArray("secret_key");
            foreach (var b in key)
            {
                w.WriteNumberValue(b);
            }

            w.WriteEndArray();
            w.WriteNumber("dave_protocol_version", session.DaveVersion);
        }).ConfigureAwait(false);

        if (session.DaveVersion > 0)
        {
            await SendBinaryAsync(session, seq => DaveBinaryCodec.EncodeServer(new ExternalSenderPackage(seq, _externalSender))).ConfigureAwait(false);
        }
    }

    private async Task OnClientBinaryAsync(FakeVoiceConnection connection, byte[] data)
    {
        if (data.Length == 0 || connection.Session is not { } session)
        {
            return;
        }

        lock (connection.ReceivedLog)
        {
            connection.ReceivedLog.Add(data[0]);
        }

        DaveBinaryMessage message;
        try
        {
            message = DaveBinaryCodec.ParseClient(data);
        }
        catch (Dave.DaveDecodeException)
        {
            return;
        }

        await _dave.WaitAsync().ConfigureAwait(false);
        try
        {
            switch (message)
            {
                case KeyPackageMessage kp:
                    session.KeyPackage = kp.KeyPackage;
                    await AddMemberAsync(null, session).ConfigureAwait(false);
                    break;
                case CommitWelcomeMessage cw when _pending is { BotCommitter: true } pending && pending.Committer == session:
                    await DistributeAsync(pending, cw.Commit, cw.Welcome).ConfigureAwait(false);
                    break;
                default:
                    break;
            }
        }
        finally
        {
            _dave.Release();
        }
    }

    private async Task OnReadyForTransitionAsync(FakeVoiceSession session, ushort transitionId)
    {
        await _dave.WaitAsync().ConfigureAwait(false);
        try
        {
            if (_pending is { } pending && pending.TransitionId == transitionId && pending.Distributed)
            {
                pending.Ready.Add(session);
                if (pending.WaitingFor.All(pending.Ready.Contains))
                {
                    await ExecuteAsync(pending).ConfigureAwait(false);
                }
            }
        }
        finally
        {
            _dave.Release();
        }
    }

    private static KeyPackage FirstKeyPackage(IReadOnlyList<DaveOutgoing> outgoing) =>
        ((KeyPackageMessage)DaveBinaryCodec.ParseClient(outgoing.Single(o => o.Opcode == DaveOpcode.MlsKeyPackage).Encode())).KeyPackage;

    private static ushort Seq16(int seq) => (ushort)seq;

    private byte[] Json(int op, int? seq, Action<Utf8JsonWriter>? writeData)
    {
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream))
        {
            writer.WriteStartObject();
            writer.WriteNumber("op", op);
            if (seq is { } s)
            {
                writer.WriteNumber("seq", s);
            }

            if (writeData is null)
            {
                writer.WriteNull("d");
            }
            else
            {
                writer.WriteStartObject("d");
                writeData(writer);
                writer.WriteEndObject();
            }

            writer.WriteEndObject();
        }

        return stream.ToArray();
    }

    internal async Task SendJsonAsync(FakeVoiceSession session, int op, Action<Utf8JsonWriter> writeData)
    {
        var (_, data) = session.Stamp(seq => Json(op, seq, writeData), binary: false);
        if (session.Connection is { } connection)
        {
            await connection.SendAsync(data, false).ConfigureAwait(false);
        }
    }

    internal async Task SendBinaryAsync(FakeVoiceSession session, Func<ushort, byte[]> build)
    {
        var (_, data) = session.Stamp(seq => build(Seq16(seq)), binary: true);
        if (session.Connection is { } connection)
        {
            await connection.SendAsync(data, true).ConfigureAwait(false);
        }
    }

    private async Task UdpLoopAsync()
    {
        var buffer = new byte[2048];
        var plain = new byte[2048];
        var sealedPacket = new byte[2048];
        EndPoint any = new IPEndPoint(IPAddress.Any, 0);
        while (!_stop.IsCancellationRequested)
        {
            SocketReceiveFromResult received;
            try
            {
                received = await _udp.ReceiveFromAsync(buffer, SocketFlags.None, any, _stop.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                break;
            }
            catch (ObjectDisposedException)
            {
                break;
            }
            catch (SocketException)
            {
                continue;
            }

            var from = (IPEndPoint)received.RemoteEndPoint;
            var packet = buffer.AsSpan(0, received.ReceivedBytes);
            try
            {
                await RelayAsync(packet.ToArray(), from, plain, sealedPacket).ConfigureAwait(false);
            }
            catch (SocketException)
            {
                Interlocked.Increment(ref _relayDropped);
            }
        }
    }

    private async Task RelayAsync(byte[] packet, IPEndPoint from, byte[] plain, byte[] sealedPacket)
    {
        if (IpDiscovery.TryParse(packet, IpDiscovery.RequestType, out var ssrc, out _, out _))
        {
            var session = _sessions.Values.FirstOrDefault(s => s.Ssrc == ssrc);
            var user = Users().FirstOrDefault(u => u.Ssrc == ssrc);
            if (session is not null)
            {
                session.UdpEndpoint = from;
            }
            else if (user is null && !_pendingDiscovery.ContainsKey(ssrc))
            {
                Interlocked.Increment(ref _relayDropped);
                return;
            }

            var response = new byte[IpDiscovery.PacketLength];
            IpDiscovery.WriteResponse(response, ssrc, from.Address.ToString(), (ushort)from.Port);
            await _udp.SendToAsync(response, SocketFlags.None, from).ConfigureAwait(false);
            return;
        }

        if (VoiceTransportCipher.ParseHeader(packet, out _, out var header) != RtpReceiveResult.Ok)
        {
            Interlocked.Increment(ref _relayDropped);
            return;
        }

        // Decrypt with the sender's key.
        VoiceTransportCipher? senderCipher = null;
        object? senderLock = null;
        var fromSession = _sessions.Values.FirstOrDefault(s => s.Ssrc == header.Ssrc);
        var fromUser = fromSession is null ? Users().FirstOrDefault(u => u.Ssrc == header.Ssrc) : null;
        if (fromSession is not null)
        {
            senderCipher = fromSession.Cipher;
            senderLock = fromSession;
        }
        else if (fromUser is not null)
        {
            senderCipher = fromUser.ServerCipher;
            senderLock = fromUser;
        }

        if (senderCipher is null)
        {
            Interlocked.Increment(ref _relayDropped);
            return;
        }

        RtpReceiveResult result;
        RtpOpenedPacket opened;
        lock (senderLock!)
        {
            result = senderCipher.Open(packet, plain, out opened);
        }

        if (result != RtpReceiveResult.Ok)
        {
            Interlocked.Increment(ref _relayDropped);
            return;
        }

        var payload = plain.AsSpan(opened.PayloadOffset, opened.PayloadLength).ToArray();

        // Re-encrypt for every other participant.
        foreach (var session in _sessions.Values)
        {
            if (session == fromSession || session.Cipher is null || session.UdpEndpoint is null)
            {
                continue;
            }

            int length;
            lock (session)
            {
                length = Options.AddHeaderExtension ? SealWithExtension(session.Cipher, header, payload, sealedPacket) : session.Cipher.Seal(header, payload, sealedPacket);
            }

            await _udp.SendToAsync(sealedPacket.AsMemory(0, length), SocketFlags.None, session.UdpEndpoint).ConfigureAwait(false);
            Interlocked.Increment(ref _relayed);
        }

        foreach (var user in Users())
        {
            if (user == fromUser || user.Endpoint is null)
            {
                continue;
            }

            int length;
            lock (user)
            {
                length = user.ServerCipher.Seal(header, payload, sealedPacket);
            }

            await _udp.SendToAsync(sealedPacket.AsMemory(0, length), SocketFlags.None, user.Endpoint).ConfigureAwait(false);
            Interlocked.Increment(ref _relayed);
        }
    }

    private readonly ConcurrentDictionary<uint, bool> _pendingDiscovery = new();

    internal void ExpectDiscovery(uint ssrc) => _pendingDiscovery[ssrc] = true;

    /// <summary>Seals with an RTP header extension (one-byte profile, one 4-byte element) like Discord's relays.</summary>
    private static int SealWithExtension(VoiceTransportCipher cipher, RtpHeader header, byte[] payload, byte[] destination)
    {
        Span<byte> h = stackalloc byte[16];
        header.Write(h);
        h[0] |= 0x10;
        h[12] = 0xBE;
        h[13] = 0xDE;
        BinaryPrimitives.WriteUInt16BigEndian(h[14..], 1);
        Span<byte> body = stackalloc byte[4 + payload.Length];
        body[0] = 0x10; // id 1, length 1 (value 2 bytes) then padding
        body[1] = 0xAB;
        body[2] = 0;
        body[3] = 0;
        payload.CopyTo(body[4..]);
        return cipher.Seal(h, body, destination);
    }
}
