using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using AudioOrchestrator.Contracts;
using AudioOrchestrator.Discord;
using AudioOrchestrator.Discord.Guilds;
using AudioOrchestrator.Ingress.Playback;
using AudioOrchestrator.Ingress.Streams;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AudioOrchestrator.Ingress.Discord;

/// <summary>
/// The Discord transport of the ingress: runs the gateway shards and the guild voice manager; each guild's received
/// frames go to its speakers' audio-in streams, and the guild's session audio-out (<c>discord-{guildId}</c>) is
/// played into its voice channel. Answers that cannot be played go to <see cref="IDiscordTextFallback"/>.
/// </summary>
public sealed partial class DiscordTransport : IHostedService, IGuildVoiceControl, IAsyncDisposable
{
    private readonly DiscordShardManager _shards;
    private readonly GuildVoiceManager _voice;
    private readonly SpeakerAudioPublisher _publisher;
    private readonly SessionOutputHub _hub;
    private readonly IClusterClient _cluster;
    private readonly IDiscordTextFallback _fallback;
    private readonly DiscordTransportOptions _options;
    private readonly int _framesPerEvent;
    private readonly DiscordIngressMetrics _metrics;
    private readonly TimeProvider _time;
    private readonly ILoggerFactory _loggerFactory;
    private readonly ILogger _logger;
    private readonly ShardLeaseKeeper _leases;
    private readonly VoiceChannelKeeper _keeper;
    private readonly ConcurrentDictionary<ulong, GuildVoiceLink> _links = new();
    private readonly ConcurrentDictionary<ulong, int> _joinsInFlight = new();
    private readonly SemaphoreSlim _linksLock = new(1, 1);
    private int _stopped;

    public DiscordTransport(
        DiscordShardManager shards,
        GuildVoiceManager voice,
        SpeakerAudioPublisher publisher,
        SessionOutputHub hub,
        IDiscordTextFallback fallback,
        IOptions<DiscordTransportOptions> options,
        IOptions<IngressOptions> ingressOptions,
        DiscordIngressMetrics metrics,
        TimeProvider time,
        ILoggerFactory loggerFactory,
        IClusterClient cluster,
        ShardLeaseKeeper leases)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(ingressOptions);
        _shards = shards;
        _voice = voice;
        _publisher = publisher;
        _hub = hub;
        _cluster = cluster;
        _fallback = fallback;
        _options = options.Value;
        _framesPerEvent = ingressOptions.Value.FramesPerEvent;
        _metrics = metrics;
        _time = time;
        _loggerFactory = loggerFactory;
        _logger = loggerFactory.CreateLogger<DiscordTransport>();
        _voice.FrameSinkFactory = guildId => _links.TryGetValue(guildId, out var link) ? link.Receiver : null;
        _voice.Connected += OnConnected;
        _voice.Disconnected += OnDisconnected;
        _leases = leases;
        _leases.ShardLost += OnShardLost;
        _keeper = new VoiceChannelKeeper(this, IsJoining, voice, shards, cluster, _options, time, loggerFactory.CreateLogger<VoiceChannelKeeper>());
        _metrics.ObserveVoiceConnections(CountVoiceConnectionsPerShard);
    }

    /// <summary>
    /// Starts the gateway shards this process holds a lease on (all of them with leases off), in the background: the
    /// service starts even while Discord is unreachable. Guilds rejoin their remembered or auto-join channels as they
    /// become available.
    /// </summary>
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        LogStarting();
        await _leases.StartAsync(cancellationToken).ConfigureAwait(false);
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (Interlocked.Exchange(ref _stopped, 1) != 0)
        {
            return;
        }

        await _keeper.DisposeAsync().ConfigureAwait(false);
        await _leases.StopAsync().ConfigureAwait(false);
        await _voice.DisposeAsync().ConfigureAwait(false);
        foreach (var link in _links.Values)
        {
            await link.DisposeAsync().ConfigureAwait(false);
        }

        _links.Clear();
        await _shards.StopAsync(cancellationToken).ConfigureAwait(false);
        await _leases.ReleaseAsync().ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync(CancellationToken.None).ConfigureAwait(false);
        _linksLock.Dispose();
    }

    public async Task<GuildVoiceStatus> JoinAsync(ulong guildId, ulong channelId, CancellationToken cancellationToken)
    {
        if (!IsServedHere(guildId, out var shardId))
        {
            throw new GuildVoiceException($"Guild {guildId}: another ingress process holds its shard {shardId}.");
        }

        if (!_voice.IsKnownGuild(guildId))
        {
            throw new GuildVoiceException($"The bot is not in guild {guildId} (or another ingress process holds its shard).");
        }

        await GetOrCreateLinkAsync(guildId, cancellationToken).ConfigureAwait(false);

        // Until the channel is remembered, leaving when alone waits: its "forget" must come after this "remember".
        _joinsInFlight.AddOrUpdate(guildId, 1, (_, n) => n + 1);
        try
        {
            await _voice.JoinAsync(guildId, channelId, cancellationToken).ConfigureAwait(false);
            await _keeper.RememberAsync(guildId, channelId).ConfigureAwait(false);
        }
        catch (GuildVoiceJoinException ex)
        {
            throw new GuildVoiceException(ex.Message, ex);
        }
        finally
        {
            _joinsInFlight.AddOrUpdate(guildId, 0, (_, n) => n - 1);
        }

        return GetStatus(guildId) ?? throw new GuildVoiceException($"Guild {guildId} is no longer available.");
    }

    /// <summary>Leaves and forgets the guild's voice channel (no rejoin after a restart); false when not in one or when another process serves the guild.</summary>
    public async Task<bool> LeaveAsync(ulong guildId, CancellationToken cancellationToken)
    {
        if (!IsServedHere(guildId, out _))
        {
            return false;
        }

        var left = await _voice.LeaveAsync(guildId, cancellationToken).ConfigureAwait(false);
        await _keeper.RememberAsync(guildId, null).ConfigureAwait(false);
        return left;
    }

    public GuildVoiceStatus? GetStatus(ulong guildId) =>
        _voice.GetSnapshot(guildId) is { } snapshot && _shards.IsShardRunning(snapshot.ShardId) ? ToStatus(snapshot) : null;

    public IReadOnlyList<GuildVoiceStatus> GetGuilds() => [.. _voice.GetSnapshots().Where(s => _shards.IsShardRunning(s.ShardId)).Select(ToStatus)];

    /// <summary>Per shard running here (with at least one guild): its guilds whose voice is connected.</summary>
    private IEnumerable<Measurement<int>> CountVoiceConnectionsPerShard() =>
        _voice.GetSnapshots()
            .Where(s => _shards.IsShardRunning(s.ShardId))
            .GroupBy(s => s.ShardId)
            .Select(shard => new Measurement<int>(
                shard.Count(s => s.State == GuildVoiceState.Connected),
                new KeyValuePair<string, object?>("shard_id", shard.Key.ToString(System.Globalization.CultureInfo.InvariantCulture))));

    private bool IsJoining(ulong guildId) => _joinsInFlight.TryGetValue(guildId, out var n) && n > 0;

    /// <summary>False when this process does not run the guild's shard (another process holds its lease).</summary>
    private bool IsServedHere(ulong guildId, out int shardId)
    {
        shardId = _shards.ShardCount > 0 ? _shards.ShardIdForGuild(guildId) : 0;
        return _shards.ShardCount == 0 || _shards.IsShardRunning(shardId);
    }

    private GuildVoiceStatus ToStatus(GuildVoiceSnapshot snapshot) => new(
        snapshot.GuildId,
        snapshot.ShardId,
        snapshot.State.ToString(),
        snapshot.ChannelId,
        DiscordSessions.SessionId(snapshot.GuildId),
        _links.TryGetValue(snapshot.GuildId, out var link) ? link.Receiver.Speakers : 0,
        snapshot.DaveProtocolVersion,
        snapshot.ConnectedAt);

    private async Task<GuildVoiceLink> GetOrCreateLinkAsync(ulong guildId, CancellationToken cancellationToken)
    {
        await _linksLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_links.TryGetValue(guildId, out var existing) && !existing.Disposed)
            {
                return existing;
            }

            // The session is a Discord guild's before any of its audio reaches a speaker grain (which reads the profile).
            await DiscordSessions.OpenAsync(_cluster, guildId, cancellationToken).ConfigureAwait(false);
            var logger = _loggerFactory.CreateLogger<GuildVoiceLink>();
            var receiver = new GuildAudioReceiver(guildId, _publisher, _options, _framesPerEvent, _time, _metrics, logger);
            var player = new SessionAudioPlayer(
                DiscordSessions.SessionId(guildId),
                _options.PlaybackQueueFrames,
                answer => FallBackToTextAsync(guildId, answer),
                _loggerFactory.CreateLogger<SessionAudioPlayer>(),
                action => TakeActionAsync(guildId, action));
            await player.StartAsync(_hub, cancellationToken).ConfigureAwait(false);
            var link = new GuildVoiceLink(guildId, receiver, player, logger);
            _links[guildId] = link;
            return link;
        }
        finally
        {
            _linksLock.Release();
        }
    }

    private async Task FallBackToTextAsync(ulong guildId, UndeliverableAnswer answer)
    {
        if (string.IsNullOrWhiteSpace(answer.Text))
        {
            return;
        }

        _metrics.FallbackAnswers.Add(1);
        await _fallback.PostAsync(guildId, answer.Text, CancellationToken.None).ConfigureAwait(false);
    }

    /// <summary>An agent's action for the guild, once its answer has been played: leaving the voice channel.</summary>
    private async Task TakeActionAsync(ulong guildId, AgentAction action)
    {
        if (action.Kind == AgentAction.LeaveVoiceChannel)
        {
            LogLeavingOnRequest(guildId);
            await LeaveAsync(guildId, CancellationToken.None).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// A lost shard's guilds: close their voice connections here without op 4 (the shard is gone) and without forgetting
    /// the channel, so the process that takes the shard over rejoins it.
    /// </summary>
    private void OnShardLost(object? sender, int shardId)
    {
        foreach (var snapshot in _voice.GetSnapshots().Where(s => s.ShardId == shardId && s.State != GuildVoiceState.Disconnected))
        {
            _ = DropLostGuildAsync(snapshot.GuildId);
        }
    }

    private async Task DropLostGuildAsync(ulong guildId)
    {
        try
        {
            await _voice.LeaveAsync(guildId, CancellationToken.None).ConfigureAwait(false);
        }
        catch (InvalidOperationException)
        {
            // The op 4 leave cannot go out on a stopped shard (DiscordShardNotRunningException); the connection is closed.
        }

        LogLostGuildDropped(guildId);
    }

    private void OnConnected(object? sender, GuildVoiceConnected e)
    {
        if (!_links.TryGetValue(e.GuildId, out var link))
        {
            return;
        }

        var botUserId = _shards.ShardForGuild(e.GuildId).UserId;
        _ = link.Schedule(() => link.AttachAsync(e.Connection, botUserId));
    }

    private void OnDisconnected(object? sender, GuildVoiceDisconnected e)
    {
        if (!_links.TryGetValue(e.GuildId, out var link))
        {
            return;
        }

        if (!e.Final)
        {
            _ = link.Schedule(link.DetachAsync);
            return;
        }

        LogGuildReleased(e.GuildId, e.Reason);
        _links.TryRemove(new KeyValuePair<ulong, GuildVoiceLink>(e.GuildId, link));
        _ = link.Schedule(async () => await link.DisposeAsync().ConfigureAwait(false));
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Guild {GuildId}: voice closed here, its shard's lease was lost")]
    private partial void LogLostGuildDropped(ulong guildId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Guild {GuildId}: leaving the voice channel, as asked")]
    private partial void LogLeavingOnRequest(ulong guildId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Discord transport starting")]
    private partial void LogStarting();

    [LoggerMessage(Level = LogLevel.Information, Message = "Guild {GuildId}: voice released ({Reason})")]
    private partial void LogGuildReleased(ulong guildId, string reason);
}
