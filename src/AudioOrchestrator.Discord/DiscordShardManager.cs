using AudioOrchestrator.Discord.Gateway;
using AudioOrchestrator.Discord.Rest;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AudioOrchestrator.Discord;

/// <summary>
/// Runs N gateway shards in one process: the shard count and URL from options or <c>GET /gateway/bot</c>, Identify
/// concurrency (<c>max_concurrency</c> buckets per window) shared by the shards, and guild routing
/// <c>(guild_id &gt;&gt; 22) % shards</c>.
/// </summary>
public sealed partial class DiscordShardManager : IAsyncDisposable
{
    private static readonly Uri DefaultGatewayUrl = new("wss://gateway.discord.gg/");
    private readonly IOptions<DiscordOptions> _options;
    private readonly ILoggerFactory _loggerFactory;
    private readonly ILogger _logger;
    private readonly DiscordRestClient? _rest;
    private readonly TimeProvider _time;
    private readonly object _gate = new();
    private DiscordGatewayClient[] _shards = [];
    private readonly SemaphoreSlim _prepareLock = new(1, 1);
    private readonly HashSet<int> _running = [];
    private IdentifyRateLimiter? _identifyLimiter;
    private Uri? _gatewayUrl;
    private bool _started;

    /// <summary>Creates the manager; <paramref name="rest"/> is needed when the shard count, URL or concurrency are not configured.</summary>
    public DiscordShardManager(IOptions<DiscordOptions> options, ILoggerFactory loggerFactory, DiscordRestClient? rest = null, TimeProvider? timeProvider = null)
    {
        _options = options ?? throw new ArgumentNullException(nameof(options));
        _loggerFactory = loggerFactory ?? throw new ArgumentNullException(nameof(loggerFactory));
        _logger = loggerFactory.CreateLogger<DiscordShardManager>();
        _rest = rest;
        _time = timeProvider ?? TimeProvider.System;
        var validation = new DiscordOptionsValidator().Validate(null, options.Value);
        if (validation.Failed)
        {
            throw new OptionsValidationException(nameof(DiscordOptions), typeof(DiscordOptions), validation.Failures);
        }
    }

    /// <summary>Ready on any shard.</summary>
    public event EventHandler<GatewayReady>? Ready;

    /// <summary>GUILD_CREATE on any shard.</summary>
    public event EventHandler<GuildAvailable>? GuildAvailable;

    /// <summary>VOICE_STATE_UPDATE on any shard.</summary>
    public event EventHandler<VoiceState>? VoiceStateUpdated;

    /// <summary>VOICE_SERVER_UPDATE on any shard.</summary>
    public event EventHandler<VoiceServerUpdate>? VoiceServerUpdated;

    /// <summary>INTERACTION_CREATE on any shard.</summary>
    public event EventHandler<InteractionCreate>? InteractionCreated;

    /// <summary>The shards (empty before start), idle ones (run by another process) included: see <see cref="IsShardRunning"/>.</summary>
    public IReadOnlyList<DiscordGatewayClient> Shards => _shards;

    /// <summary>The shard count in use (0 before start).</summary>
    public int ShardCount => _shards.Length;

    /// <summary>The identify <c>max_concurrency</c> in use (0 before start).</summary>
    public int MaxConcurrency => _identifyLimiter?.MaxConcurrency ?? 0;

    /// <summary>Resolves the shard count, creates the shards and starts them all in shard order.</summary>
    public Task StartAsync(CancellationToken cancellationToken) => StartAsync(null, cancellationToken);

    /// <summary>
    /// Resolves the shard count, creates the shards and starts those in <paramref name="shardIds"/> (all when null) in
    /// shard order. The others stay idle until <see cref="StartShardAsync"/>: another process runs them.
    /// </summary>
    public async Task StartAsync(IReadOnlyCollection<int>? shardIds, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            if (_started)
            {
                throw new InvalidOperationException("The shard manager was already started.");
            }

            _started = true;
        }

        var shards = await PrepareAsync(cancellationToken).ConfigureAwait(false);
        var selected = shardIds is null ? shards.Select(s => s.Shard.Id).ToArray() : [.. shardIds.Where(id => id >= 0 && id < shards.Length).Distinct().Order()];
        LogStarting(selected.Length, shards.Length, MaxConcurrency);
        foreach (var id in selected)
        {
            await StartShardAsync(id, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Resolves the shard count, URL and identify concurrency (from options or <c>GET /gateway/bot</c>) and creates the
    /// shards without starting any; idempotent. Returns the shards.
    /// </summary>
    public async Task<IReadOnlyList<DiscordGatewayClient>> PrepareShardsAsync(CancellationToken cancellationToken) =>
        await PrepareAsync(cancellationToken).ConfigureAwait(false);

    /// <summary>Starts one shard that was prepared but not started (e.g. taken over from another process); false when it already runs.</summary>
    public async Task<bool> StartShardAsync(int shardId, CancellationToken cancellationToken)
    {
        var shards = RequirePrepared();
        ArgumentOutOfRangeException.ThrowIfNegative(shardId);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(shardId, shards.Length);
        lock (_gate)
        {
            if (!_running.Add(shardId))
            {
                return false;
            }
        }

        await shards[shardId].StartAsync(cancellationToken).ConfigureAwait(false);
        return true;
    }

    /// <summary>
    /// Stops one running shard (e.g. its lease was lost) and puts a fresh, idle client in its place so it can be started
    /// again; false when it was not running.
    /// </summary>
    public async Task<bool> StopShardAsync(int shardId, CancellationToken cancellationToken)
    {
        var shards = RequirePrepared();
        ArgumentOutOfRangeException.ThrowIfNegative(shardId);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(shardId, shards.Length);
        DiscordGatewayClient stopped;
        lock (_gate)
        {
            if (!_running.Remove(shardId))
            {
                return false;
            }

            stopped = shards[shardId];
            shards[shardId] = CreateShard(shardId, shards.Length);
        }

        await stopped.DisposeAsync().ConfigureAwait(false);
        return true;
    }

    /// <summary>True when this process runs the shard.</summary>
    public bool IsShardRunning(int shardId)
    {
        lock (_gate)
        {
            return _running.Contains(shardId);
        }
    }

    /// <summary>The ids of the shards this process runs.</summary>
    public IReadOnlyList<int> RunningShardIds
    {
        get
        {
            lock (_gate)
            {
                return [.. _running.Order()];
            }
        }
    }

    private async Task<DiscordGatewayClient[]> PrepareAsync(CancellationToken cancellationToken)
    {
        await _prepareLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_shards.Length > 0)
            {
                return _shards;
            }

            var options = _options.Value;
            var shardCount = options.ShardCount;
            _gatewayUrl = options.GatewayUrl;
            var maxConcurrency = options.MaxConcurrency;
            if (shardCount is null || _gatewayUrl is null || maxConcurrency is null)
            {
                if (_rest is null)
                {
                    throw new InvalidOperationException("Discord:ShardCount, GatewayUrl and MaxConcurrency must be configured when no REST client is given.");
                }

                var info = await _rest.GetGatewayBotAsync(cancellationToken).ConfigureAwait(false);
                LogGatewayBot(info.Shards, info.SessionStartLimit.MaxConcurrency, info.SessionStartLimit.Remaining, info.SessionStartLimit.Total);
                shardCount ??= Math.Max(1, info.Shards);
                _gatewayUrl ??= info.Url;
                maxConcurrency ??= Math.Max(1, info.SessionStartLimit.MaxConcurrency);
            }

            _identifyLimiter = new IdentifyRateLimiter(maxConcurrency.Value, options.IdentifyWindow, _time);
            var shards = new DiscordGatewayClient[shardCount.Value];
            for (var id = 0; id < shards.Length; id++)
            {
                shards[id] = CreateShard(id, shards.Length);
            }

            _shards = shards;
            return shards;
        }
        finally
        {
            _prepareLock.Release();
        }
    }

    private DiscordGatewayClient CreateShard(int id, int count)
    {
        var shard = new DiscordGatewayClient(
            new ShardInfo(id, count),
            _gatewayUrl ?? DefaultGatewayUrl,
            _options,
            _loggerFactory.CreateLogger<DiscordGatewayClient>(),
            _time,
            _identifyLimiter!);
        shard.Ready += (_, e) => Ready?.Invoke(this, e);
        shard.GuildAvailable += (_, e) => GuildAvailable?.Invoke(this, e);
        shard.VoiceStateUpdated += (_, e) => VoiceStateUpdated?.Invoke(this, e);
        shard.VoiceServerUpdated += (_, e) => VoiceServerUpdated?.Invoke(this, e);
        shard.InteractionCreated += (_, e) => InteractionCreated?.Invoke(this, e);
        return shard;
    }

    /// <summary>Waits until every shard this process runs has a session.</summary>
    public Task WaitUntilReadyAsync(CancellationToken cancellationToken) =>
        Task.WhenAll(RunningShards().Select(s => s.WaitUntilReadyAsync(cancellationToken)));

    /// <summary>The shard id for a guild.</summary>
    public int ShardIdForGuild(ulong guildId) => ShardInfo.ForGuild(guildId, RequireStarted().Length);

    /// <summary>The shard that carries a guild.</summary>
    /// <exception cref="DiscordShardNotRunningException">This process does not run the guild's shard (another process holds it).</exception>
    public DiscordGatewayClient ShardForGuild(ulong guildId)
    {
        var shards = RequireStarted();
        var shardId = ShardIdForGuild(guildId);
        return IsShardRunning(shardId)
            ? shards[shardId]
            : throw new DiscordShardNotRunningException(shardId, $"Shard {shardId} of guild {guildId} is not run by this process (another ingress process holds it).");
    }

    /// <summary>Join, move (<paramref name="channelId"/> set) or leave (null) a guild's voice channel through its shard.</summary>
    public Task UpdateVoiceStateAsync(ulong guildId, ulong? channelId, bool selfMute, bool selfDeaf, CancellationToken cancellationToken) =>
        ShardForGuild(guildId).UpdateVoiceStateAsync(guildId, channelId, selfMute, selfDeaf, cancellationToken);

    /// <summary>A user's voice state in a guild, or null.</summary>
    public VoiceState? GetVoiceState(ulong guildId, ulong userId) => ShardForGuild(guildId).VoiceStates.Get(guildId, userId);

    /// <summary>The voice states of a guild.</summary>
    public IReadOnlyList<VoiceState> GetVoiceStates(ulong guildId) => ShardForGuild(guildId).VoiceStates.Get(guildId);

    /// <summary>Stops every shard.</summary>
    public async Task StopAsync(CancellationToken cancellationToken) =>
        await Task.WhenAll(_shards.Select(s => s.StopAsync(cancellationToken))).ConfigureAwait(false);

    private DiscordGatewayClient[] RunningShards()
    {
        lock (_gate)
        {
            return [.. _running.Order().Select(id => _shards[id])];
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        foreach (var shard in _shards)
        {
            await shard.DisposeAsync().ConfigureAwait(false);
        }

        _identifyLimiter?.Dispose();
        _prepareLock.Dispose();
    }

    private DiscordGatewayClient[] RequireStarted() =>
        _shards.Length > 0 ? _shards : throw new InvalidOperationException("The shard manager is not started.");

    private DiscordGatewayClient[] RequirePrepared() =>
        _shards.Length > 0 ? _shards : throw new InvalidOperationException("The shards are not prepared (call StartAsync or PrepareShardsAsync first).");

    [LoggerMessage(EventId = 4150, Level = LogLevel.Information, Message = "GET /gateway/bot: {Shards} shards recommended, max_concurrency {MaxConcurrency}, {Remaining}/{Total} session starts left")]
    private partial void LogGatewayBot(int shards, int maxConcurrency, int remaining, int total);

    [LoggerMessage(EventId = 4151, Level = LogLevel.Information, Message = "Starting {Starting} of {ShardCount} gateway shards (identify max_concurrency {MaxConcurrency})")]
    private partial void LogStarting(int starting, int shardCount, int maxConcurrency);
}

/// <summary>A guild's shard is not run by this process: another ingress process holds its lease.</summary>
public sealed class DiscordShardNotRunningException : InvalidOperationException
{
    public DiscordShardNotRunningException()
    {
    }

    public DiscordShardNotRunningException(string message)
        : base(message)
    {
    }

    public DiscordShardNotRunningException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public DiscordShardNotRunningException(int shardId, string message)
        : base(message) => ShardId = shardId;

    /// <summary>The shard the guild belongs to.</summary>
    public int ShardId { get; }
}
