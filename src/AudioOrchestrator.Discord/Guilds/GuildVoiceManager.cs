using System.Collections.Concurrent;
using AudioOrchestrator.Discord.Gateway;
using AudioOrchestrator.Discord.Voice;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AudioOrchestrator.Discord.Guilds;

/// <summary>
/// Joins, moves and leaves voice channels for every guild of the shards: op 4 through the guild's shard (rate
/// limited), our VOICE_STATE_UPDATE and VOICE_SERVER_UPDATE awaited with a timeout, one
/// <see cref="DiscordVoiceConnection"/> per guild, and the close-code policy above the connection (4014: wait for a
/// move, session-invalid: rejoin, fatal: stop).
/// </summary>
public sealed partial class GuildVoiceManager : IAsyncDisposable
{
    private readonly DiscordShardManager _shards;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<ulong, GuildVoiceSession> _sessions = new();
    private readonly ConcurrentDictionary<ulong, int> _knownGuilds = new();
    private int _disposed;

    /// <summary>Creates the manager and subscribes to the shards' events (before they start, so no GUILD_CREATE is missed).</summary>
    public GuildVoiceManager(DiscordShardManager shards, IOptions<GuildVoiceOptions> options, ILoggerFactory loggerFactory, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        _shards = shards ?? throw new ArgumentNullException(nameof(shards));
        LoggerFactory = loggerFactory ?? throw new ArgumentNullException(nameof(loggerFactory));
        Options = options.Value;
        var validation = new GuildVoiceOptionsValidator().Validate(null, Options);
        if (validation.Failed)
        {
            throw new OptionsValidationException(nameof(GuildVoiceOptions), typeof(GuildVoiceOptions), validation.Failures);
        }

        Time = timeProvider ?? TimeProvider.System;
        _logger = loggerFactory.CreateLogger<GuildVoiceManager>();
        _shards.GuildAvailable += OnGuildAvailable;
        _shards.VoiceStateUpdated += OnVoiceStateUpdated;
        _shards.VoiceServerUpdated += OnVoiceServerUpdated;
        _shards.Ready += OnShardReady;
    }

    /// <summary>A guild's voice connection became usable (after a join, rejoin or move).</summary>
    public event EventHandler<GuildVoiceConnected>? Connected;

    /// <summary>A guild's voice connection went away (for good when <see cref="GuildVoiceDisconnected.Final"/>).</summary>
    public event EventHandler<GuildVoiceDisconnected>? Disconnected;

    /// <summary>
    /// Gives the receive sink of a guild's connections (set before joining); called on every (re)connect, so one sink
    /// per guild can outlive its connections.
    /// </summary>
    public Func<ulong, IVoiceFrameSink?>? FrameSinkFactory { get; set; }

    /// <summary>Guilds the bot is in (GUILD_CREATE seen).</summary>
    public IReadOnlyCollection<ulong> KnownGuilds => [.. _knownGuilds.Keys];

    internal GuildVoiceOptions Options { get; }

    internal TimeProvider Time { get; }

    internal ILoggerFactory LoggerFactory { get; }

    internal DiscordShardManager Shards => _shards;

    /// <summary>True when the bot is in the guild.</summary>
    public bool IsKnownGuild(ulong guildId) => _knownGuilds.ContainsKey(guildId);

    /// <summary>The guild's voice state; null when the bot is not in the guild.</summary>
    public GuildVoiceSnapshot? GetSnapshot(ulong guildId)
    {
        if (!_knownGuilds.TryGetValue(guildId, out var shardId))
        {
            return null;
        }

        return _sessions.TryGetValue(guildId, out var session)
            ? session.Snapshot(shardId)
            : new GuildVoiceSnapshot(guildId, shardId, GuildVoiceState.Disconnected, null, 0, null);
    }

    /// <summary>Every known guild's voice state, by guild id.</summary>
    public IReadOnlyList<GuildVoiceSnapshot> GetSnapshots() =>
        [.. _knownGuilds.Keys.Order().Select(GetSnapshot).OfType<GuildVoiceSnapshot>()];

    /// <summary>The guild's current voice connection, if connected.</summary>
    public DiscordVoiceConnection? GetConnection(ulong guildId) =>
        _sessions.TryGetValue(guildId, out var session) ? session.Connection : null;

    /// <summary>Joins or moves to <paramref name="channelId"/>; completes when audio can flow.</summary>
    /// <exception cref="GuildVoiceJoinException">Unknown guild, no voice events in time, or the voice handshake failed.</exception>
    public async Task<GuildVoiceSnapshot> JoinAsync(ulong guildId, ulong channelId, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        if (!_knownGuilds.TryGetValue(guildId, out var shardId))
        {
            throw new GuildVoiceJoinException(GuildVoiceFailure.UnknownGuild, $"The bot is not in guild {guildId}.");
        }

        await Session(guildId).JoinAsync(channelId, cancellationToken).ConfigureAwait(false);
        return Session(guildId).Snapshot(shardId);
    }

    /// <summary>Leaves the guild's voice channel; false when the bot was not in one.</summary>
    public Task<bool> LeaveAsync(ulong guildId, CancellationToken cancellationToken) =>
        _sessions.TryGetValue(guildId, out var session) ? session.LeaveAsync(cancellationToken) : Task.FromResult(false);

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        _shards.GuildAvailable -= OnGuildAvailable;
        _shards.VoiceStateUpdated -= OnVoiceStateUpdated;
        _shards.VoiceServerUpdated -= OnVoiceServerUpdated;
        _shards.Ready -= OnShardReady;
        foreach (var session in _sessions.Values)
        {
            await session.DisposeAsync().ConfigureAwait(false);
        }
    }

    internal void RaiseConnected(GuildVoiceConnected e) => Raise(Connected, e);

    internal void RaiseDisconnected(GuildVoiceDisconnected e) => Raise(Disconnected, e);

    private void Raise<T>(EventHandler<T>? handler, T e)
    {
        try
        {
            handler?.Invoke(this, e);
        }
#pragma warning disable CA1031 // A failing subscriber must not break the voice state machine.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            LogHandlerFailed(ex, typeof(T).Name);
        }
    }

    private GuildVoiceSession Session(ulong guildId) => _sessions.GetOrAdd(guildId, id => new GuildVoiceSession(this, id));

    private void OnGuildAvailable(object? sender, GuildAvailable e) => _knownGuilds[e.GuildId] = e.ShardId;

    private void OnVoiceStateUpdated(object? sender, VoiceState e)
    {
        if (e.UserId != _shards.ShardForGuild(e.GuildId).UserId)
        {
            return;
        }

        Session(e.GuildId).OnOwnVoiceState(e);
    }

    private void OnVoiceServerUpdated(object? sender, VoiceServerUpdate e) => Session(e.GuildId).OnVoiceServer(e);

    /// <summary>
    /// A new gateway session (Ready, not a resume): Discord dropped the bot's voice states with the old session (its
    /// voice servers close with 4014, "the main gateway session was dropped") and sends no voice events on its own, so
    /// every guild of the shard that should be in a channel joins it again with op 4 on the new session.
    /// </summary>
    private void OnShardReady(object? sender, GatewayReady e)
    {
        if (_disposed != 0)
        {
            return;
        }

        foreach (var (guildId, session) in _sessions)
        {
            if (session.WantsChannel && _knownGuilds.TryGetValue(guildId, out var shardId) && shardId == e.ShardId)
            {
                LogRejoiningAfterNewSession(guildId, e.ShardId);
                _ = Task.Run(() => session.RenewAsync("new gateway session"), CancellationToken.None);
            }
        }
    }

    [LoggerMessage(EventId = 4169, Level = LogLevel.Information, Message = "Guild {GuildId}: shard {ShardId} has a new gateway session; joining the voice channel again")]
    private partial void LogRejoiningAfterNewSession(ulong guildId, int shardId);

    [LoggerMessage(EventId = 4160, Level = LogLevel.Error, Message = "A {EventName} handler failed")]
    private partial void LogHandlerFailed(Exception exception, string eventName);
}
