using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using AudioOrchestrator.Contracts;
using AudioOrchestrator.Discord;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AudioOrchestrator.Ingress.Discord;

/// <summary>
/// Runs only the gateway shards this ingress process holds a lease on (<see cref="IDiscordShardLeaseGrain"/>): on start
/// it tries every shard's lease and starts the shards granted; then, every <see cref="DiscordTransportOptions.ShardLeaseRenewInterval"/>,
/// it renews the held leases (a lease it can no longer renew stops its shard before another process may take it) and
/// retries the others, so a crashed process's shards are taken over once their leases lapse. On stop the leases are
/// released, so the others take over at their next retry. With <see cref="DiscordTransportOptions.ShardLeaseEnabled"/>
/// off, every shard runs here.
/// </summary>
public sealed partial class ShardLeaseKeeper : IAsyncDisposable
{
    private readonly DiscordShardManager _shards;
    private readonly IClusterClient _cluster;
    private readonly DiscordTransportOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly string _botKey;
    private readonly Dictionary<int, DateTimeOffset> _heldUntil = [];
    private readonly CancellationTokenSource _stop = new();
    private Task? _loop;
    private int _shardCount;
    private int _disposed;

    public ShardLeaseKeeper(
        DiscordShardManager shards,
        IClusterClient cluster,
        IOptions<DiscordTransportOptions> options,
        IOptions<DiscordOptions> discordOptions,
        TimeProvider time,
        ILogger<ShardLeaseKeeper> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(discordOptions);
        _shards = shards;
        _cluster = cluster;
        _options = options.Value;
        _time = time;
        _logger = logger;
        _botKey = BotKey(discordOptions.Value.Token);
        OwnerId = string.Create(CultureInfo.InvariantCulture, $"{Environment.MachineName}/{Environment.ProcessId}/{Guid.NewGuid().ToString("N")[..8]}");
    }

    /// <summary>A shard stopped because its lease was lost (another process may run it now): drop its guilds' voice here.</summary>
    public event EventHandler<int>? ShardLost;

    /// <summary>This process's owner id in the leases: machine, process id and a random part (unique per start).</summary>
    public string OwnerId { get; }

    /// <summary>
    /// The lease key prefix of a bot: a short SHA-256 digest of its token (every process of one bot agrees on it; the
    /// token itself is never stored or logged).
    /// </summary>
    public static string BotKey(string token)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(token);
        return "bot-" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(token)).AsSpan(0, 8));
    }

    /// <summary>The lease key of a shard of this bot.</summary>
    public string LeaseKey(int shardId) => DiscordShardLeases.Key(_botKey, shardId, _shardCount);

    /// <summary>Acquires what it can, starts those shards, and keeps the leases in the background.</summary>
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (!_options.ShardLeaseEnabled)
        {
            await _shards.StartAsync(cancellationToken).ConfigureAwait(false);
            return;
        }

        var prepared = await _shards.PrepareShardsAsync(cancellationToken).ConfigureAwait(false);
        _shardCount = prepared.Count;
        var held = new List<int>();
        for (var id = 0; id < _shardCount && HasRoom(held.Count); id++)
        {
            if (await TryAcquireAsync(id).ConfigureAwait(false))
            {
                held.Add(id);
            }
        }

        LogStarted(OwnerId, held.Count, _shardCount, string.Join(',', held));
        await _shards.StartAsync(held, cancellationToken).ConfigureAwait(false);
        _loop = Task.Run(() => KeepAsync(_stop.Token), CancellationToken.None);
    }

    /// <summary>Stops renewing; call after the shards stopped, then <see cref="ReleaseAsync"/>.</summary>
    public async Task StopAsync()
    {
        if (_disposed != 0)
        {
            return;
        }

        await _stop.CancelAsync().ConfigureAwait(false);
        if (_loop is { } loop)
        {
            await loop.ConfigureAwait(false);
        }
    }

    /// <summary>Releases every lease this process holds (best effort: an unreachable cluster lets them lapse instead).</summary>
    public async Task ReleaseAsync()
    {
        int[] held;
        lock (_heldUntil)
        {
            held = [.. _heldUntil.Keys];
            _heldUntil.Clear();
        }

        foreach (var id in held)
        {
            try
            {
                await Lease(id).ReleaseAsync(OwnerId).ConfigureAwait(false);
                LogReleased(id, LeaseKey(id));
            }
#pragma warning disable CA1031 // Shutting down: the lease lapses on its own.
            catch (Exception ex)
#pragma warning restore CA1031
            {
                LogReleaseFailed(ex, id);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync().ConfigureAwait(false);
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            _stop.Dispose();
        }
    }

    private IDiscordShardLeaseGrain Lease(int shardId) => _cluster.GetGrain<IDiscordShardLeaseGrain>(LeaseKey(shardId));

    private async Task KeepAsync(CancellationToken stop)
    {
        using var timer = new PeriodicTimer(_options.ShardLeaseRenewInterval, _time);
        try
        {
            while (await timer.WaitForNextTickAsync(stop).ConfigureAwait(false))
            {
                for (var id = 0; id < _shardCount && !stop.IsCancellationRequested; id++)
                {
                    if (_shards.IsShardRunning(id))
                    {
                        await RenewAsync(id, stop).ConfigureAwait(false);
                    }
                    else if (HasRoom(_shards.RunningShardIds.Count) && await TryAcquireAsync(id).ConfigureAwait(false))
                    {
                        LogTakenOver(id, LeaseKey(id));
                        await _shards.StartShardAsync(id, stop).ConfigureAwait(false);
                    }
                }
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            // Stopping.
        }
    }

    private bool HasRoom(int running) => _options.ShardLeaseMaxShards == 0 || running < _options.ShardLeaseMaxShards;

    private async Task<bool> TryAcquireAsync(int shardId)
    {
        try
        {
            var result = await Lease(shardId).TryAcquireAsync(OwnerId, _options.ShardLeaseTtl).ConfigureAwait(false);
            if (result.Granted)
            {
                Hold(shardId, result.ExpiresAt);
                return true;
            }

            LogHeldElsewhere(shardId, result.Holder ?? "?", result.ExpiresAt);
            return false;
        }
#pragma warning disable CA1031 // The cluster may be unreachable for a while: retried at the next interval.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            LogLeaseCallFailed(ex, shardId);
            return false;
        }
    }

    private async Task RenewAsync(int shardId, CancellationToken stop)
    {
        try
        {
            var result = await Lease(shardId).RenewAsync(OwnerId, _options.ShardLeaseTtl).ConfigureAwait(false);
            if (result.Granted)
            {
                Hold(shardId, result.ExpiresAt);
                return;
            }

            // Lapsed or released, but nobody else took it: take it again rather than stop a healthy shard.
            var holder = result.Holder;
            if (holder is null)
            {
                if (await TryAcquireAsync(shardId).ConfigureAwait(false))
                {
                    LogReacquired(shardId);
                    return;
                }

                // Someone took it between the renewal and the acquire: name them.
                holder = (await Lease(shardId).GetAsync().ConfigureAwait(false)).Holder;
            }

            LogLost(shardId, holder ?? "nobody");
        }
#pragma warning disable CA1031 // Unreachable cluster: keep the shard while our lease is surely still valid.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            LogLeaseCallFailed(ex, shardId);
            DateTimeOffset until;
            lock (_heldUntil)
            {
                until = _heldUntil.GetValueOrDefault(shardId);
            }

            if (_time.GetUtcNow() + _options.ShardLeaseRenewInterval < until)
            {
                return;
            }

            LogLost(shardId, "unknown (the lease could not be renewed before it lapses)");
        }

        lock (_heldUntil)
        {
            _heldUntil.Remove(shardId);
        }

        await _shards.StopShardAsync(shardId, stop).ConfigureAwait(false);
        ShardLost?.Invoke(this, shardId);
    }

    private void Hold(int shardId, DateTimeOffset? expiresAt)
    {
        lock (_heldUntil)
        {
            _heldUntil[shardId] = expiresAt ?? _time.GetUtcNow() + _options.ShardLeaseTtl;
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Shard leases: owner {OwnerId} holds {Held} of {ShardCount} shards ({ShardIds})")]
    private partial void LogStarted(string ownerId, int held, int shardCount, string shardIds);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Shard {ShardId}: held by {Holder} until {ExpiresAt}")]
    private partial void LogHeldElsewhere(int shardId, string holder, DateTimeOffset? expiresAt);

    [LoggerMessage(Level = LogLevel.Information, Message = "Shard {ShardId}: lease {LeaseKey} acquired, starting the shard (its previous holder stopped or lapsed)")]
    private partial void LogTakenOver(int shardId, string leaseKey);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Shard {ShardId}: the lease had lapsed and nobody held it; taken again, the shard keeps running")]
    private partial void LogReacquired(int shardId);

    [LoggerMessage(Level = LogLevel.Error, Message = "Shard {ShardId}: lease lost (now held by {Holder}); stopping the shard")]
    private partial void LogLost(int shardId, string holder);

    [LoggerMessage(Level = LogLevel.Information, Message = "Shard {ShardId}: lease {LeaseKey} released")]
    private partial void LogReleased(int shardId, string leaseKey);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Shard {ShardId}: the lease could not be released; it lapses on its own")]
    private partial void LogReleaseFailed(Exception exception, int shardId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Shard {ShardId}: the lease grain could not be reached; retrying at the next interval")]
    private partial void LogLeaseCallFailed(Exception exception, int shardId);
}
