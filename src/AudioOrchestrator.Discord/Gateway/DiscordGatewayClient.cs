using System.Buffers;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AudioOrchestrator.Discord.Gateway;

/// <summary>
/// One shard's connection to the Discord gateway v10 (JSON encoding, no compression): Hello, heartbeats with jitter
/// and zombie detection, Identify / Ready, sequence tracking, Resume on the resume URL, re-Identify on invalid
/// sessions, capped exponential backoff, fatal close codes, the voice state cache and the send rate limit.
/// </summary>
public sealed partial class DiscordGatewayClient : IAsyncDisposable
{
    private const long NoSequence = -1;
    private static readonly TimeSpan CloseTimeout = TimeSpan.FromSeconds(2);

    private readonly DiscordOptions _options;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly IdentifyRateLimiter _identifyLimiter;
    private readonly bool _ownsIdentifyLimiter;
    private readonly Uri _gatewayUrl;
    private readonly LogThrottle _malformedLog;
    private readonly LogThrottle _unknownOpLog;
    private readonly object _gate = new();

    private TaskCompletionSource<Connection> _readyConnection = NewReadySource();
    private CancellationTokenSource? _stopCts;
    private Task? _loop;
    private Connection? _current;
    private volatile bool _stopping;
    private string? _sessionId;
    private Uri? _resumeUrl;
    private long _sequence = NoSequence;
    private ulong _userId;
    private long _latencyTicks = -1;
    private volatile GatewayConnectionState _state = GatewayConnectionState.Created;

    /// <summary>Creates the client of one shard.</summary>
    /// <param name="shard">Shard id and count.</param>
    /// <param name="gatewayUrl">The gateway URL (from <c>GET /gateway/bot</c> or configuration); version and encoding are added.</param>
    /// <param name="options">Options (token, intents, delays, limits).</param>
    /// <param name="logger">Logger; payloads are logged redacted.</param>
    /// <param name="timeProvider">Clock for heartbeats, backoff and rate limits.</param>
    /// <param name="identifyLimiter">Identify concurrency shared by the shards of the process; a private one if null.</param>
    public DiscordGatewayClient(
        ShardInfo shard,
        Uri gatewayUrl,
        IOptions<DiscordOptions> options,
        ILogger<DiscordGatewayClient> logger,
        TimeProvider? timeProvider = null,
        IdentifyRateLimiter? identifyLimiter = null)
    {
        ArgumentNullException.ThrowIfNull(gatewayUrl);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfLessThan(shard.Count, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(shard.Id);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(shard.Id, shard.Count);
        _options = options.Value;
        var validation = new DiscordOptionsValidator().Validate(null, _options);
        if (validation.Failed)
        {
            throw new OptionsValidationException(nameof(DiscordOptions), typeof(DiscordOptions), validation.Failures);
        }

        Shard = shard;
        _gatewayUrl = gatewayUrl;
        _logger = logger ?? throw new ArgumentNullException(nameof(logger));
        _time = timeProvider ?? TimeProvider.System;
        _ownsIdentifyLimiter = identifyLimiter is null;
        _identifyLimiter = identifyLimiter ?? new IdentifyRateLimiter(_options.MaxConcurrency ?? 1, _options.IdentifyWindow, _time);
        _malformedLog = new LogThrottle(_options.BadInputLogInterval, _time);
        _unknownOpLog = new LogThrottle(_options.BadInputLogInterval, _time);
    }

    /// <summary>Ready: a new session.</summary>
    public event EventHandler<GatewayReady>? Ready;

    /// <summary>Resumed: the session continues; missed events were replayed before this.</summary>
    public event EventHandler<GatewayResumed>? Resumed;

    /// <summary>GUILD_CREATE: a guild is available; its voice states are in <see cref="VoiceStates"/>.</summary>
    public event EventHandler<GuildAvailable>? GuildAvailable;

    /// <summary>VOICE_STATE_UPDATE (after <see cref="VoiceStates"/> was updated).</summary>
    public event EventHandler<VoiceState>? VoiceStateUpdated;

    /// <summary>VOICE_SERVER_UPDATE.</summary>
    public event EventHandler<VoiceServerUpdate>? VoiceServerUpdated;

    /// <summary>INTERACTION_CREATE.</summary>
    public event EventHandler<InteractionCreate>? InteractionCreated;

    /// <summary>Every dispatch, after the typed event.</summary>
    public event EventHandler<GatewayDispatch>? DispatchReceived;

    /// <summary>The shard.</summary>
    public ShardInfo Shard { get; }

    /// <summary>Connection state.</summary>
    public GatewayConnectionState State => _state;

    /// <summary>Counters.</summary>
    public GatewayStatistics Statistics { get; } = new();

    /// <summary>Voice states of this shard's guilds.</summary>
    public GuildVoiceStateCache VoiceStates { get; } = new();

    /// <summary>The current session id, if any.</summary>
    public string? SessionId
    {
        get
        {
            lock (_gate)
            {
                return _sessionId;
            }
        }
    }

    /// <summary>The resume URL of the current session, if any.</summary>
    public Uri? ResumeGatewayUrl
    {
        get
        {
            lock (_gate)
            {
                return _resumeUrl;
            }
        }
    }

    /// <summary>The last dispatch sequence number received, if any.</summary>
    public long? LastSequence => Interlocked.Read(ref _sequence) is var s && s == NoSequence ? null : s;

    /// <summary>The bot's user id (from Ready), or 0.</summary>
    public ulong UserId => Interlocked.Read(ref _userId);

    /// <summary>Time from the last heartbeat to its ACK.</summary>
    public TimeSpan? Latency => Interlocked.Read(ref _latencyTicks) is var t && t < 0 ? null : TimeSpan.FromTicks(t);

    /// <summary>The fatal error that stopped the shard, if any.</summary>
    public DiscordGatewayFatalException? FatalError { get; private set; }

    /// <summary>Completes when the shard stops: normally after <see cref="StopAsync"/>, faulted on a fatal close code.</summary>
    public Task Completion => _loop ?? Task.CompletedTask;

    /// <summary>Starts connecting in the background.</summary>
    public Task StartAsync(CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            if (_loop is not null)
            {
                throw new InvalidOperationException("The gateway client was already started.");
            }

            _stopCts = new CancellationTokenSource();
            var stop = _stopCts.Token;

            // Queue for the identify bucket now, so shards started in order identify in order within a bucket.
            var firstIdentify = _identifyLimiter.AcquireAsync(Shard.Id, stop);
            _loop = Task.Run(() => RunAsync(firstIdentify, stop), CancellationToken.None);
        }

        return Task.CompletedTask;
    }

    /// <summary>Closes the connection (code 1000: the session ends) and stops reconnecting.</summary>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        Task? loop;
        Connection? current;
        lock (_gate)
        {
            loop = _loop;
            current = _current;
            _stopping = true;
        }

        if (loop is null)
        {
            return;
        }

        if (current is not null)
        {
            await CloseOutputAsync(current, WebSocketCloseStatus.NormalClosure, "shutting down").ConfigureAwait(false);
        }

        await _stopCts!.CancelAsync().ConfigureAwait(false);
        try
        {
            await loop.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (DiscordGatewayFatalException)
        {
            // Already reported through FatalError and the log.
        }
    }

    /// <summary>Waits until the shard has a Ready (or Resumed) session.</summary>
    public async Task WaitUntilReadyAsync(CancellationToken cancellationToken) =>
        await WaitForReadyConnectionAsync(cancellationToken).ConfigureAwait(false);

    /// <summary>
    /// Voice State Update (op 4): join or move to <paramref name="channelId"/>, or leave with null. Waits for a ready
    /// session and for the send rate limit. The answer comes as VOICE_STATE_UPDATE and VOICE_SERVER_UPDATE events.
    /// </summary>
    public Task UpdateVoiceStateAsync(ulong guildId, ulong? channelId, bool selfMute, bool selfDeaf, CancellationToken cancellationToken) =>
        SendCommandAsync(GatewayPayloads.VoiceStateUpdate(guildId, channelId, selfMute, selfDeaf), cancellationToken);

    /// <summary>Sends a command payload (UTF-8 JSON with <c>op</c> and <c>d</c>) through the send rate limiter.</summary>
    public async Task SendCommandAsync(byte[] payload, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(payload);
        while (true)
        {
            var connection = await WaitForReadyConnectionAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                await SendAsync(connection, payload, priority: false, cancellationToken).ConfigureAwait(false);
                return;
            }
            catch (Exception ex) when (!cancellationToken.IsCancellationRequested
                                       && ex is WebSocketException or OperationCanceledException or ObjectDisposedException)
            {
                LogCommandRetry(Shard.Id);
            }
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await StopAsync(CancellationToken.None).ConfigureAwait(false);
        _stopCts?.Dispose();
        if (_ownsIdentifyLimiter)
        {
            _identifyLimiter.Dispose();
        }
    }

    /// <summary>The connection URL: the given URL with <c>v=10&amp;encoding=json</c>.</summary>
    internal static Uri WithGatewayQuery(Uri url)
    {
        var builder = new UriBuilder(url)
        {
            Scheme = url.Scheme switch
            {
                "http" => "ws",
                "https" => "wss",
                _ => url.Scheme,
            },
            Query = "v=10&encoding=json",
        };
        if (builder.Uri.IsDefaultPort)
        {
            builder.Port = -1;
        }

        return builder.Uri;
    }

    private static TaskCompletionSource<Connection> NewReadySource() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    private async Task RunAsync(Task? firstIdentify, CancellationToken stop)
    {
        var failures = 0;
        var failedResumeConnects = 0;
        try
        {
            while (!stop.IsCancellationRequested && !_stopping)
            {
                bool resume;
                lock (_gate)
                {
                    resume = _sessionId is not null && _resumeUrl is not null && _sequence != NoSequence;
                }

                Outcome outcome;
                try
                {
                    if (!resume)
                    {
                        var slot = firstIdentify ?? _identifyLimiter.AcquireAsync(Shard.Id, stop);
                        firstIdentify = null;
                        await slot.ConfigureAwait(false);
                    }

                    outcome = await RunConnectionAsync(resume, stop).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (stop.IsCancellationRequested || _stopping)
                {
                    break;
                }
                catch (Exception ex) when (ex is WebSocketException or HttpRequestException or IOException or OperationCanceledException)
                {
                    LogConnectFailed(Shard.Id, ex.GetType().Name, ex.Message);
                    outcome = new Outcome(GatewayCloseAction.Resume, "connect failed", null, ReachedSession: false, ConnectFailed: true);
                }

                if (_stopping || stop.IsCancellationRequested)
                {
                    break;
                }

                if (outcome.Action == GatewayCloseAction.Fatal)
                {
                    var fatal = new DiscordGatewayFatalException(Shard.Id, outcome.CloseCode ?? 0);
                    FatalError = fatal;
                    _state = GatewayConnectionState.Faulted;
                    LogFatal(Shard.Id, outcome.CloseCode ?? 0, GatewayCloseCodes.Describe(outcome.CloseCode));
                    lock (_gate)
                    {
                        _readyConnection.TrySetException(fatal);
                    }

                    throw fatal;
                }

                failures = outcome.ReachedSession ? 0 : failures + 1;
                failedResumeConnects = resume && outcome.ConnectFailed ? failedResumeConnects + 1 : 0;
                if (outcome.Action == GatewayCloseAction.Reidentify || failedResumeConnects >= 3)
                {
                    // The resume URL is not reachable, or the session is gone: new session on the gateway URL.
                    ClearSession();
                    failedResumeConnects = 0;
                }

                var delay = Backoff(failures);
                if (outcome.MinimumDelay > delay)
                {
                    delay = outcome.MinimumDelay;
                }

                _state = GatewayConnectionState.Reconnecting;
                LogReconnecting(Shard.Id, outcome.Reason, outcome.CloseCode ?? 0, outcome.Action, (long)delay.TotalMilliseconds);
                if (delay > TimeSpan.Zero)
                {
                    await Task.Delay(delay, _time, stop).ConfigureAwait(false);
                }
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
        }
        finally
        {
            if (_state != GatewayConnectionState.Faulted)
            {
                _state = GatewayConnectionState.Stopped;
                lock (_gate)
                {
                    _readyConnection.TrySetException(new ObjectDisposedException(nameof(DiscordGatewayClient), "The gateway client stopped."));
                }
            }
        }
    }

    private TimeSpan Backoff(int failures)
    {
        if (failures <= 0)
        {
            return TimeSpan.Zero;
        }

        var exponential = _options.ReconnectBaseDelay.TotalMilliseconds * Math.Pow(2, Math.Min(failures - 1, 30));
        var capped = Math.Min(exponential, _options.ReconnectMaxDelay.TotalMilliseconds);

        // "Equal jitter": half fixed, half random, so retries of many shards spread out.
        return TimeSpan.FromMilliseconds(capped * (0.5 + (0.5 * Random.Shared.NextDouble())));
    }

    private TimeSpan InvalidSessionDelay()
    {
        var min = _options.InvalidSessionMinDelay.TotalMilliseconds;
        var max = _options.InvalidSessionMaxDelay.TotalMilliseconds;
        return TimeSpan.FromMilliseconds(min + ((max - min) * Random.Shared.NextDouble()));
    }

    private void ClearSession()
    {
        lock (_gate)
        {
            _sessionId = null;
            _resumeUrl = null;
            Interlocked.Exchange(ref _sequence, NoSequence);
        }

        VoiceStates.Clear();
    }

    private async Task<Outcome> RunConnectionAsync(bool resume, CancellationToken stop)
    {
        Uri url;
        string? sessionId;
        lock (_gate)
        {
            url = WithGatewayQuery(resume ? _resumeUrl! : _gatewayUrl);
            sessionId = _sessionId;
        }

        _state = GatewayConnectionState.Connecting;
        using var socket = new ClientWebSocket();
        using var connection = new Connection(
            socket,
            new GatewaySendRateLimiter(_options.SendLimit, _options.SendWindow + _options.SendWindowMargin, _options.SendReserve, _time),
            CancellationTokenSource.CreateLinkedTokenSource(stop));
        LogConnecting(Shard.Id, url.GetLeftPart(UriPartial.Path), resume);
        using (var connectTimeout = new CancellationTokenSource(_options.ConnectTimeout, _time))
        using (var connectCts = CancellationTokenSource.CreateLinkedTokenSource(connection.Token, connectTimeout.Token))
        {
            await socket.ConnectAsync(url, connectCts.Token).ConfigureAwait(false);
        }

        Statistics.Connected();
        lock (_gate)
        {
            _current = connection;
        }

        var buffer = new ArrayBufferWriter<byte>(16 * 1024);
        Task? heartbeat = null;
        using var helloTimeout = new CancellationTokenSource(_options.ConnectTimeout, _time);
        try
        {
            while (true)
            {
                Received received;
                if (heartbeat is null)
                {
                    using var helloCts = CancellationTokenSource.CreateLinkedTokenSource(connection.Token, helloTimeout.Token);
                    try
                    {
                        received = await ReceiveAsync(connection, buffer, helloCts.Token).ConfigureAwait(false);
                    }
                    catch (OperationCanceledException) when (helloTimeout.IsCancellationRequested && !connection.Token.IsCancellationRequested)
                    {
                        return new Outcome(GatewayCloseAction.Resume, "no Hello", null, false);
                    }
                }
                else
                {
                    received = await ReceiveAsync(connection, buffer, connection.Token).ConfigureAwait(false);
                }

                switch (received)
                {
                    case Received.Close:
                        return await OnServerCloseAsync(connection).ConfigureAwait(false);
                    case Received.TooLarge:
                        ReportMalformed("message larger than MaxMessageBytes", ReadOnlySpan<byte>.Empty);
                        continue;
                    case Received.Binary:
                        ReportMalformed("binary message (compression is not requested)", ReadOnlySpan<byte>.Empty);
                        continue;
                }

                var outcome = await HandleMessageAsync(connection, buffer.WrittenMemory, resume, sessionId, hello => heartbeat = hello)
                    .ConfigureAwait(false);
                if (outcome is not null)
                {
                    return outcome;
                }
            }
        }
        catch (OperationCanceledException) when (connection.Outcome is { } outcome)
        {
            return outcome;
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            throw;
        }
        catch (WebSocketException ex)
        {
            return new Outcome(GatewayCloseAction.Resume, "connection lost: " + ex.Message, null, connection.ReachedSession);
        }
        finally
        {
            lock (_gate)
            {
                if (ReferenceEquals(_current, connection))
                {
                    _current = null;
                }

                if (_readyConnection.Task.IsCompletedSuccessfully && ReferenceEquals(_readyConnection.Task.Result, connection))
                {
                    _readyConnection = NewReadySource();
                }
            }

            await connection.Cts.CancelAsync().ConfigureAwait(false);
            if (heartbeat is not null)
            {
                try
                {
                    await heartbeat.ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is OperationCanceledException or WebSocketException or ObjectDisposedException)
                {
                }
            }
        }
    }

    private async Task<Outcome> OnServerCloseAsync(Connection connection)
    {
        var socket = connection.Socket;
        var code = socket.CloseStatus is { } status ? (int?)status : null;
        if (code is 1005 or 1006 or 1015)
        {
            code = null;
        }

        // Finish the closing handshake by echoing the code.
        await CloseOutputAsync(connection, code is { } c ? (WebSocketCloseStatus)c : WebSocketCloseStatus.Empty, null).ConfigureAwait(false);
        var action = GatewayCloseCodes.Classify(code);
        LogServerClosed(Shard.Id, code ?? 0, GatewayCloseCodes.Describe(code), socket.CloseStatusDescription ?? string.Empty);
        return new Outcome(action, "closed by Discord (" + GatewayCloseCodes.Describe(code) + ")", code, connection.ReachedSession);
    }

    private async Task<Outcome?> HandleMessageAsync(Connection connection, ReadOnlyMemory<byte> message, bool resume, string? sessionId, Action<Task> heartbeatStarted)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(message);
        }
        catch (JsonException)
        {
            ReportMalformed("invalid JSON", message.Span);
            return null;
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object
                || !root.TryGetProperty("op", out var opElement)
                || opElement.ValueKind != JsonValueKind.Number
                || !opElement.TryGetInt32(out var op))
            {
                ReportMalformed("no integer op", message.Span);
                return null;
            }

            switch ((GatewayOpCode)op)
            {
                case GatewayOpCode.Hello:
                    if (connection.HelloSeen)
                    {
                        return null;
                    }

                    if (!root.TryGetProperty("d", out var hello) || hello.ValueKind != JsonValueKind.Object
                        || !hello.TryGetProperty("heartbeat_interval", out var intervalElement)
                        || !intervalElement.TryGetDouble(out var intervalMs) || intervalMs <= 0 || intervalMs > int.MaxValue)
                    {
                        ReportMalformed("Hello without a valid heartbeat_interval", message.Span);
                        return null;
                    }

                    connection.HelloSeen = true;
                    var interval = TimeSpan.FromMilliseconds(intervalMs);
                    LogHello(Shard.Id, (long)intervalMs);
                    heartbeatStarted(HeartbeatLoopAsync(connection, interval));
                    if (resume)
                    {
                        _state = GatewayConnectionState.Resuming;
                        await SendAsync(connection, GatewayPayloads.Resume(_options.Token, sessionId!, LastSequence ?? 0), priority: true, connection.Token)
                            .ConfigureAwait(false);
                        Statistics.Resumed();
                        LogResuming(Shard.Id, sessionId!, LastSequence ?? 0);
                    }
                    else
                    {
                        _state = GatewayConnectionState.Identifying;
                        var identify = GatewayPayloads.Identify(
                            _options.Token, _options.Intents, Shard, _options.OsProperty, _options.BrowserProperty, _options.DeviceProperty);
                        await SendAsync(connection, identify, priority: true, connection.Token).ConfigureAwait(false);
                        Statistics.Identified();
                        LogIdentifying(Shard.Id, Shard.Count, _options.Intents);
                    }

                    return null;

                case GatewayOpCode.HeartbeatAck:
                    if (connection.LastHeartbeatTimestamp is { } sent)
                    {
                        Interlocked.Exchange(ref _latencyTicks, _time.GetElapsedTime(sent).Ticks);
                    }

                    connection.AwaitingAck = false;
                    Statistics.HeartbeatAck();
                    return null;

                case GatewayOpCode.Heartbeat:
                    await SendHeartbeatAsync(connection).ConfigureAwait(false);
                    return null;

                case GatewayOpCode.Reconnect:
                    LogReconnectRequested(Shard.Id);
                    await CloseOutputAsync(connection, (WebSocketCloseStatus)GatewayCloseCodes.ClientResumeClose, "reconnect requested")
                        .ConfigureAwait(false);
                    return new Outcome(GatewayCloseAction.Resume, "Reconnect (op 7)", null, connection.ReachedSession);

                case GatewayOpCode.InvalidSession:
                    var resumable = root.TryGetProperty("d", out var d) && d.ValueKind == JsonValueKind.True;
                    LogInvalidSession(Shard.Id, resumable);
                    await CloseOutputAsync(connection, (WebSocketCloseStatus)GatewayCloseCodes.ClientResumeClose, "invalid session")
                        .ConfigureAwait(false);
                    return resumable
                        ? new Outcome(GatewayCloseAction.Resume, "Invalid Session (resumable)", null, connection.ReachedSession)
                        : new Outcome(GatewayCloseAction.Reidentify, "Invalid Session", null, connection.ReachedSession, MinimumDelay: InvalidSessionDelay());

                case GatewayOpCode.Dispatch:
                    OnDispatch(connection, root, message.Span);
                    return null;

                default:
                    Statistics.UnknownOpcode();
                    if (_unknownOpLog.ShouldLog(out var suppressed))
                    {
                        LogUnknownOpcode(Shard.Id, op, suppressed);
                    }

                    return null;
            }
        }
    }

    private void OnDispatch(Connection connection, JsonElement root, ReadOnlySpan<byte> raw)
    {
        if (!root.TryGetProperty("t", out var nameElement) || nameElement.ValueKind != JsonValueKind.String)
        {
            ReportMalformed("dispatch without t", raw);
            return;
        }

        var name = nameElement.GetString()!;
        long sequence = NoSequence;
        if (root.TryGetProperty("s", out var s) && s.ValueKind == JsonValueKind.Number && s.TryGetInt64(out var seq))
        {
            sequence = seq;
            Interlocked.Exchange(ref _sequence, seq);
        }

        Statistics.Dispatch();
        var data = root.TryGetProperty("d", out var d) ? d : default;
        try
        {
            switch (name)
            {
                case "READY":
                    OnReady(connection, data);
                    break;
                case "RESUMED":
                    connection.ReachedSession = true;
                    _state = GatewayConnectionState.Ready;
                    LogResumed(Shard.Id, connection.Replayed);
                    lock (_gate)
                    {
                        _readyConnection.TrySetResult(connection);
                    }

                    Raise(Resumed, new GatewayResumed(Shard.Id, SessionId ?? string.Empty, connection.Replayed), name);
                    break;
                case "GUILD_CREATE":
                    OnGuildCreate(data, name);
                    break;
                case "GUILD_DELETE":
                    VoiceStates.RemoveGuild(Snowflake.Read(data, "id"));
                    break;
                case "VOICE_STATE_UPDATE":
                    var state = ReadVoiceState(data, null);
                    VoiceStates.Apply(state);
                    Raise(VoiceStateUpdated, state, name);
                    break;
                case "VOICE_SERVER_UPDATE":
                    var server = new VoiceServerUpdate(
                        Shard.Id,
                        Snowflake.Read(data, "guild_id"),
                        data.GetProperty("token").GetString() ?? throw new FormatException("token is null"),
                        data.TryGetProperty("endpoint", out var endpoint) && endpoint.ValueKind == JsonValueKind.String ? endpoint.GetString() : null);
                    Raise(VoiceServerUpdated, server, name);
                    break;
                case "INTERACTION_CREATE":
                    Raise(InteractionCreated, ReadInteraction(data), name);
                    break;
            }
        }
        catch (Exception ex) when (ex is FormatException or KeyNotFoundException or InvalidOperationException)
        {
            ReportMalformed(name + ": " + ex.Message, raw);
            return;
        }

        if (_state == GatewayConnectionState.Resuming && name != "RESUMED")
        {
            connection.Replayed++;
        }

        if (DispatchReceived is not null)
        {
            Raise(DispatchReceived, new GatewayDispatch(Shard.Id, name, sequence, data.ValueKind == JsonValueKind.Undefined ? default : data.Clone()), name);
        }
    }

    private void OnReady(Connection connection, JsonElement data)
    {
        var sessionId = data.GetProperty("session_id").GetString() ?? throw new FormatException("session_id is null");
        var resumeUrlText = data.GetProperty("resume_gateway_url").GetString() ?? throw new FormatException("resume_gateway_url is null");
        if (!Uri.TryCreate(resumeUrlText, UriKind.Absolute, out var resumeUrl))
        {
            throw new FormatException("resume_gateway_url is not an absolute URL");
        }

        var userId = Snowflake.Read(data.GetProperty("user"), "id");
        var guilds = new List<ulong>();
        if (data.TryGetProperty("guilds", out var guildArray) && guildArray.ValueKind == JsonValueKind.Array)
        {
            foreach (var guild in guildArray.EnumerateArray())
            {
                guilds.Add(Snowflake.Read(guild, "id"));
            }
        }

        lock (_gate)
        {
            _sessionId = sessionId;
            _resumeUrl = resumeUrl;
            Interlocked.Exchange(ref _userId, userId);
            _readyConnection.TrySetResult(connection);
        }

        connection.ReachedSession = true;
        _state = GatewayConnectionState.Ready;
        LogReady(Shard.Id, sessionId, userId, guilds.Count);
        Raise(Ready, new GatewayReady(Shard.Id, sessionId, resumeUrl, userId, guilds), "READY");
    }

    private void OnGuildCreate(JsonElement data, string name)
    {
        var guildId = Snowflake.Read(data, "id");
        if (data.TryGetProperty("unavailable", out var unavailable) && unavailable.ValueKind == JsonValueKind.True)
        {
            return;
        }

        var states = new List<VoiceState>();
        if (data.TryGetProperty("voice_states", out var voiceStates) && voiceStates.ValueKind == JsonValueKind.Array)
        {
            foreach (var element in voiceStates.EnumerateArray())
            {
                states.Add(ReadVoiceState(element, guildId));
            }
        }

        VoiceStates.ReplaceGuild(guildId, states);
        var guildName = data.TryGetProperty("name", out var n) && n.ValueKind == JsonValueKind.String ? n.GetString() : null;
        Raise(GuildAvailable, new GuildAvailable(Shard.Id, guildId, guildName, states), name);
    }

    private static VoiceState ReadVoiceState(JsonElement data, ulong? guildId) => new(
        guildId ?? Snowflake.Read(data, "guild_id"),
        Snowflake.ReadOptional(data, "channel_id"),
        Snowflake.Read(data, "user_id"),
        data.TryGetProperty("session_id", out var session) && session.ValueKind == JsonValueKind.String ? session.GetString()! : string.Empty,
        Flag(data, "deaf"),
        Flag(data, "mute"),
        Flag(data, "self_deaf"),
        Flag(data, "self_mute"),
        Flag(data, "suppress"));

    private static bool Flag(JsonElement data, string property) =>
        data.TryGetProperty(property, out var e) && e.ValueKind == JsonValueKind.True;

    private InteractionCreate ReadInteraction(JsonElement data)
    {
        ulong? userId = null;
        if (data.TryGetProperty("member", out var member) && member.ValueKind == JsonValueKind.Object
            && member.TryGetProperty("user", out var memberUser) && memberUser.ValueKind == JsonValueKind.Object)
        {
            userId = Snowflake.Read(memberUser, "id");
        }
        else if (data.TryGetProperty("user", out var user) && user.ValueKind == JsonValueKind.Object)
        {
            userId = Snowflake.Read(user, "id");
        }

        var commandData = data.TryGetProperty("data", out var cd) ? cd.Clone() : default;
        var commandName = commandData.ValueKind == JsonValueKind.Object && commandData.TryGetProperty("name", out var cn) && cn.ValueKind == JsonValueKind.String
            ? cn.GetString()
            : null;
        return new InteractionCreate(
            Shard.Id,
            Snowflake.Read(data, "id"),
            Snowflake.Read(data, "application_id"),
            data.GetProperty("type").GetInt32(),
            data.GetProperty("token").GetString() ?? throw new FormatException("token is null"),
            Snowflake.ReadOptional(data, "guild_id"),
            Snowflake.ReadOptional(data, "channel_id"),
            userId,
            commandName,
            commandData,
            data.Clone());
    }

    private void Raise<T>(EventHandler<T>? handler, T args, string eventName)
    {
        if (handler is null)
        {
            return;
        }

        foreach (var single in handler.GetInvocationList().Cast<EventHandler<T>>())
        {
            try
            {
                single(this, args);
            }
#pragma warning disable CA1031 // A subscriber's bug must not take the connection down.
            catch (Exception ex)
#pragma warning restore CA1031
            {
                LogHandlerFailed(ex, Shard.Id, eventName);
            }
        }
    }

    private void ReportMalformed(string reason, ReadOnlySpan<byte> raw)
    {
        Statistics.Malformed();
        if (_malformedLog.ShouldLog(out var suppressed))
        {
            var sample = raw.IsEmpty ? string.Empty : Encoding.UTF8.GetString(raw[..Math.Min(raw.Length, 160)]);
            LogMalformed(Shard.Id, reason, GatewayPayloads.Redact(sample, _options.Token), suppressed);
        }
    }

    private async Task HeartbeatLoopAsync(Connection connection, TimeSpan interval)
    {
        var token = connection.Token;
        await Task.Delay(interval * Random.Shared.NextDouble(), _time, token).ConfigureAwait(false);
        while (!token.IsCancellationRequested)
        {
            if (connection.AwaitingAck)
            {
                Statistics.Zombie();
                LogZombie(Shard.Id, (long)interval.TotalMilliseconds);
                connection.Outcome = new Outcome(GatewayCloseAction.Resume, "no Heartbeat ACK (zombie connection)", null, connection.ReachedSession);
                await CloseOutputAsync(connection, (WebSocketCloseStatus)GatewayCloseCodes.ClientResumeClose, "heartbeat ACK missing")
                    .ConfigureAwait(false);
                await connection.Cts.CancelAsync().ConfigureAwait(false);
                return;
            }

            await SendHeartbeatAsync(connection).ConfigureAwait(false);
            await Task.Delay(interval, _time, token).ConfigureAwait(false);
        }
    }

    private async Task SendHeartbeatAsync(Connection connection)
    {
        connection.AwaitingAck = true;
        connection.LastHeartbeatTimestamp = _time.GetTimestamp();
        await SendAsync(connection, GatewayPayloads.Heartbeat(LastSequence), priority: true, connection.Token).ConfigureAwait(false);
        Statistics.HeartbeatSent();
    }

    private async Task SendAsync(Connection connection, byte[] payload, bool priority, CancellationToken cancellationToken)
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, connection.Token);
        await connection.Limiter.AcquireAsync(priority, linked.Token).ConfigureAwait(false);
        await connection.SendLock.WaitAsync(linked.Token).ConfigureAwait(false);
        try
        {
            // Only the connection's own token: cancelling a WebSocket send aborts the socket.
            await connection.Socket.SendAsync(payload, WebSocketMessageType.Text, endOfMessage: true, connection.Token).ConfigureAwait(false);
        }
        finally
        {
            connection.SendLock.Release();
        }

        if (_logger.IsEnabled(LogLevel.Trace))
        {
            LogSent(Shard.Id, GatewayPayloads.Redact(Encoding.UTF8.GetString(payload), _options.Token));
        }
    }

    private async Task CloseOutputAsync(Connection connection, WebSocketCloseStatus status, string? description)
    {
        try
        {
            using var timeout = new CancellationTokenSource(CloseTimeout, _time);
            await connection.SendLock.WaitAsync(timeout.Token).ConfigureAwait(false);
            try
            {
                if (connection.Socket.State is WebSocketState.Open or WebSocketState.CloseReceived)
                {
                    await connection.Socket.CloseOutputAsync(status, description, timeout.Token).ConfigureAwait(false);
                }
            }
            finally
            {
                connection.SendLock.Release();
            }
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or ObjectDisposedException)
        {
            LogCloseFailed(Shard.Id, ex.Message);
        }
    }

    private async Task<Received> ReceiveAsync(Connection connection, ArrayBufferWriter<byte> buffer, CancellationToken cancellationToken)
    {
        buffer.ResetWrittenCount();
        var tooLarge = false;
        while (true)
        {
            var memory = buffer.GetMemory(16 * 1024);
            var result = await connection.Socket.ReceiveAsync(memory, cancellationToken).ConfigureAwait(false);
            if (result.MessageType == WebSocketMessageType.Close)
            {
                return Received.Close;
            }

            buffer.Advance(result.Count);
            if (buffer.WrittenCount > _options.MaxMessageBytes)
            {
                tooLarge = true;
                buffer.ResetWrittenCount();
            }

            if (result.EndOfMessage)
            {
                return tooLarge ? Received.TooLarge : result.MessageType == WebSocketMessageType.Binary ? Received.Binary : Received.Text;
            }
        }
    }

    private async Task<Connection> WaitForReadyConnectionAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            Task<Connection> ready;
            lock (_gate)
            {
                ready = _readyConnection.Task;
            }

            var connection = await ready.WaitAsync(cancellationToken).ConfigureAwait(false);
            if (!connection.Token.IsCancellationRequested)
            {
                return connection;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(10), _time, cancellationToken).ConfigureAwait(false);
        }
    }

    private enum Received
    {
        Text,
        Binary,
        Close,
        TooLarge,
    }

    private sealed record Outcome(
        GatewayCloseAction Action,
        string Reason,
        int? CloseCode,
        bool ReachedSession,
        bool ConnectFailed = false,
        TimeSpan MinimumDelay = default);

    private sealed class Connection(ClientWebSocket socket, GatewaySendRateLimiter limiter, CancellationTokenSource cts) : IDisposable
    {
        private volatile bool _awaitingAck;
        private volatile Outcome? _outcome;

        public ClientWebSocket Socket { get; } = socket;

        public GatewaySendRateLimiter Limiter { get; } = limiter;

        public CancellationTokenSource Cts { get; } = cts;

        public CancellationToken Token { get; } = cts.Token;

        public SemaphoreSlim SendLock { get; } = new(1, 1);

        public bool HelloSeen { get; set; }

        public bool ReachedSession { get; set; }

        public int Replayed { get; set; }

        public long? LastHeartbeatTimestamp { get; set; }

        public bool AwaitingAck
        {
            get => _awaitingAck;
            set => _awaitingAck = value;
        }

        public Outcome? Outcome
        {
            get => _outcome;
            set => _outcome = value;
        }

        public void Dispose()
        {
            Cts.Dispose();
            SendLock.Dispose();
        }
    }
}
