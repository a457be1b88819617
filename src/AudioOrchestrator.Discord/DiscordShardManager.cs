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
    private IdentifyRateLimiter? _identifyLimiter;
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

    /// <summary>The shards (empty before start).</summary>
    public IReadOnlyList<DiscordGatewayClient> Shards => _shards;

    /// <summary>The shard count in use (0 before start).</summary>
    public int ShardCount => _shards.Length;

    /// <summary>The identify <c>max_concurrency</c> in use (0 before start).</summary>
    public int MaxConcurrency => _identifyLimiter?.MaxConcurrency ?? 0;

    /// <summary>Resolves the shard count, creates the shards and starts them in shard order.</summary>
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            if (_started)
            {
                throw new InvalidOperationException("The shard manager was already started.");
            }

            _started = true;
        }

        var options = _options.Value;
        var shardCount = options.ShardCount;
        var gatewayUrl = options.GatewayUrl;
        var maxConcurrency = options.MaxConcurrency;
        if (shardCount is null || gatewayUrl is null || maxConcurrency is null)
        {
            if (_rest is null)
            {
                throw new InvalidOperationException("Discord:ShardCount, GatewayUrl and MaxConcurrency must be configured when no REST client is given.");
            }

            var info = await _rest.GetGatewayBotAsync(cancellationToken).ConfigureAwait(false);
            LogGatewayBot(info.Shards, info.SessionStartLimit.MaxConcurrency, info.SessionStartLimit.Remaining, info.SessionStartLimit.Total);
            shardCount ??= Math.Max(1, info.Shards);
            gatewayUrl ??= info.Url;
            maxConcurrency ??= Math.Max(1, info.SessionStartLimit.MaxConcurrency);
        }

        _identifyLimiter = new IdentifyRateLimiter(maxConcurrency.Value, options.IdentifyWindow, _time);
        var shards = new DiscordGatewayClient[shardCount.Value];
        for (var id = 0; id < shards.Length; id++)
        {
            var shard = new DiscordGatewayClient(
                new ShardInfo(id, shards.Length),
                gatewayUrl ?? DefaultGatewayUrl,
                _options,
                _loggerFactory.CreateLogger<DiscordGatewayClient>(),
                _time,
                _identifyLimiter);
            shard.Ready += (_, e) => Ready?.Invoke(this, e);
            shard.GuildAvailable += (_, e) => GuildAvailable?.Invoke(this, e);
            shard.VoiceStateUpdated += (_, e) => VoiceStateUpdated?.Invoke(this, e);
            shard.VoiceServerUpdated += (_, e) => VoiceServerUpdated?.Invoke(this, e);
            shard.InteractionCreated += (_, e) => InteractionCreated?.Invoke(this, e);
            shards[id] = shard;
        }

        _shards = shards;
        LogStarting(shards.Length, maxConcurrency.Value);
        foreach (var shard in shards)
        {
            await shard.StartAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Waits until every shard has a session.</summary>
    public Task WaitUntilReadyAsync(CancellationToken cancellationToken) =>
        Task.WhenAll(_shards.Select(s => s.WaitUntilReadyAsync(cancellationToken)));

    /// <summary>The shard id for a guild.</summary>
    public int ShardIdForGuild(ulong guildId) => ShardInfo.ForGuild(guildId, RequireStarted().Length);

    /// <summary>The shard that carries a guild.</summary>
    public DiscordGatewayClient ShardForGuild(ulong guildId) => RequireStarted()[ShardIdForGuild(guildId)];

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

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        foreach (var shard in _shards)
        {
            await shard.DisposeAsync().ConfigureAwait(false);
        }

        _identifyLimiter?.Dispose();
    }

    private DiscordGatewayClient[] RequireStarted() =>
        _shards.Length > 0 ? _shards : throw new InvalidOperationException("The shard manager is not started.");

    [LoggerMessage(EventId = 4150, Level = LogLevel.Information, Message = "GET /gateway/bot: {Shards} shards recommended, max_concurrency {MaxConcurrency}, {Remaining}/{Total} session starts left")]
    private partial void LogGatewayBot(int shards, int maxConcurrency, int remaining, int total);

    [LoggerMessage(EventId = 4151, Level = LogLevel.Information, Message = "Starting {ShardCount} gateway shards (identify max_concurrency {MaxConcurrency})")]
    private partial void LogStarting(int shardCount, int maxConcurrency);
}
