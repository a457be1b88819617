using System.Net.WebSockets;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AudioOrchestrator.Discord.Gateway;

/// <summary>
/// One shard's connection to the Discord gateway v10 (JSON encoding, no compression). This file holds the public
/// surface and the reconnect loop; the parts live beside it: <see cref="GatewaySocket"/> (one WebSocket connection),
/// <see cref="GatewayHeartbeat"/> (beats and zombie detection), <see cref="GatewaySession"/> (what a resume needs),
/// <see cref="GatewayReconnectPolicy"/> (backoff, resume or identify), <c>DiscordGatewayClient.Protocol.cs</c> (Hello,
/// Identify / Resume and the opcodes of one connection) and <c>DiscordGatewayClient.Dispatch.cs</c> (dispatches to
/// events, read by <see cref="GatewayDispatchReader"/>).
/// </summary>
public sealed partial class DiscordGatewayClient : IAsyncDisposable
{
    private readonly DiscordOptions _options;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly IdentifyRateLimiter _identifyLimiter;
    private readonly bool _ownsIdentifyLimiter;
    private readonly Uri _gatewayUrl;
    private readonly LogThrottle _malformedLog;
    private readonly LogThrottle _unknownOpLog;
    private readonly GatewaySession _session = new();
    private readonly GatewayReconnectPolicy _reconnect;
    private readonly Lock _gate = new();

    // Guarded by _gate.
    private TaskCompletionSource<GatewaySocket> _readyConnection = NewReadySource();
    private CancellationTokenSource? _stopCts;
    private Task? _loop;
    private GatewaySocket? _current;
    private bool _stopping;
    private TimeSpan? _latency;

    // Written by the connection loop only; read by anyone.
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
        _reconnect = new GatewayReconnectPolicy(_options, Random.Shared);
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
    public string? SessionId => _session.Id;

    /// <summary>The resume URL of the current session, if any.</summary>
    public Uri? ResumeGatewayUrl => _session.ResumeUrl;

    /// <summary>The last dispatch sequence number received, if any.</summary>
    public long? LastSequence => _session.Sequence;

    /// <summary>The bot's user id (from Ready), or 0.</summary>
    public ulong UserId => _session.UserId;

    /// <summary>Time from the last heartbeat to its ACK.</summary>
    public TimeSpan? Latency
    {
        get
        {
            lock (_gate)
            {
                return _latency;
            }
        }
    }

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
        GatewaySocket? current;
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
            // The closing handshake: the connection loop reads Discord's reply and ends; a server that does not reply
            // in time is cut off below.
            await current.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "shutting down").ConfigureAwait(false);
            try
            {
                await loop.WaitAsync(GatewaySocket.CloseTimeout, _time, cancellationToken).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                LogStopUnacknowledged(Shard.Id, (long)GatewaySocket.CloseTimeout.TotalMilliseconds);
            }
            catch (DiscordGatewayFatalException)
            {
                // Already reported through FatalError and the log.
            }
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
                await connection.SendAsync(payload, priority: false, cancellationToken).ConfigureAwait(false);
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

    private static TaskCompletionSource<GatewaySocket> NewReadySource() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    private async Task RunAsync(Task<IdentifyLease>? firstIdentify, CancellationToken stop)
    {
        try
        {
            while (!stop.IsCancellationRequested && !IsStopping)
            {
                var resumePoint = _session.ResumePoint;
                GatewayConnectionOutcome outcome;
                IdentifyLease? lease = null;
                try
                {
                    if (resumePoint is null)
                    {
                        var slot = firstIdentify ?? _identifyLimiter.AcquireAsync(Shard.Id, stop);
                        firstIdentify = null;
                        lease = await slot.ConfigureAwait(false);
                    }

                    outcome = await RunConnectionAsync(resumePoint, lease, stop).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (stop.IsCancellationRequested || IsStopping)
                {
                    break;
                }
                catch (Exception ex) when (ex is WebSocketException or HttpRequestException or IOException or OperationCanceledException)
                {
                    LogConnectFailed(Shard.Id, ex.GetType().Name, ex.Message);
                    outcome = new GatewayConnectionOutcome(GatewayCloseAction.Resume, "connect failed", null, ReachedSession: false, ConnectFailed: true);
                }
                finally
                {
                    lease?.Dispose();
                }

                if (IsStopping || stop.IsCancellationRequested)
                {
                    break;
                }

                if (outcome.Action == GatewayCloseAction.Fatal)
                {
                    throw Fault(outcome.CloseCode ?? 0);
                }

                var next = _reconnect.Next(outcome, wasResume: resumePoint is not null);
                if (next.NewSession)
                {
                    // The resume URL is not reachable, or the session is gone: new session on the gateway URL.
                    _session.Clear();
                    VoiceStates.Clear();
                }

                _state = GatewayConnectionState.Reconnecting;
                LogReconnecting(Shard.Id, outcome.Reason, outcome.CloseCode ?? 0, outcome.Action, (long)next.Delay.TotalMilliseconds);
                if (next.Delay > TimeSpan.Zero)
                {
                    await Task.Delay(next.Delay, _time, stop).ConfigureAwait(false);
                }
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
        }
        finally
        {
            // A first turn granted but never used (stopped before connecting) goes back to the bucket's other shards.
            _ = firstIdentify?.ContinueWith(t => t.Result.Dispose(), CancellationToken.None, TaskContinuationOptions.OnlyOnRanToCompletion, TaskScheduler.Default);
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

    private bool IsStopping
    {
        get
        {
            lock (_gate)
            {
                return _stopping;
            }
        }
    }

    private DiscordGatewayFatalException Fault(int closeCode)
    {
        var fatal = new DiscordGatewayFatalException(Shard.Id, closeCode);
        FatalError = fatal;
        _state = GatewayConnectionState.Faulted;
        LogFatal(Shard.Id, closeCode, GatewayCloseCodes.Describe(closeCode));
        lock (_gate)
        {
            _readyConnection.TrySetException(fatal);
        }

        return fatal;
    }

    private void SessionReached(GatewaySocket connection)
    {
        connection.ReachedSession = true;
        _state = GatewayConnectionState.Ready;
        lock (_gate)
        {
            _readyConnection.TrySetResult(connection);
        }
    }

    private void Acknowledged(TimeSpan? latency)
    {
        if (latency is null)
        {
            return;
        }

        lock (_gate)
        {
            _latency = latency;
        }
    }

    private async Task<GatewaySocket> WaitForReadyConnectionAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            Task<GatewaySocket> ready;
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
}
