using AudioOrchestrator.Contracts;
using Microsoft.Extensions.Logging;

namespace AudioOrchestrator.Grains.Discord;

/// <summary>
/// One Discord gateway shard's lease: at most one owner holds it at a time; it lapses at its expiry unless renewed,
/// after which anyone may take it. The state is written before an answer grants anything, so a lease survives the
/// grain's deactivation and a silo restart (with persistent storage).
/// </summary>
public sealed partial class DiscordShardLeaseGrain(
    [PersistentState("lease", StorageNames.Sessions)] IPersistentState<ShardLeaseState> lease,
    TimeProvider clock,
    ILogger<DiscordShardLeaseGrain> logger)
    : Grain, IDiscordShardLeaseGrain
{
    /// <summary>The longest lease one request may ask for.</summary>
    public static readonly TimeSpan MaxTtl = TimeSpan.FromHours(1);

    private string Key => this.GetPrimaryKeyString();

    public async Task<ShardLeaseResult> TryAcquireAsync(string ownerId, TimeSpan ttl)
    {
        Validate(ownerId, ttl);
        var now = clock.GetUtcNow();
        var state = lease.State;
        if (IsHeld(state, now) && !string.Equals(state.Holder, ownerId, StringComparison.Ordinal))
        {
            return new ShardLeaseResult(false, state.Holder, state.ExpiresAt);
        }

        var previous = IsHeld(state, now) ? null : state.Holder;
        if (!string.Equals(state.Holder, ownerId, StringComparison.Ordinal) || !IsHeld(state, now))
        {
            state.AcquiredAt = now;
        }

        state.Holder = ownerId;
        state.ExpiresAt = now + ttl;
        await lease.WriteStateAsync();
        if (previous is not null && !string.Equals(previous, ownerId, StringComparison.Ordinal))
        {
            LogTakenOver(Key, ownerId, previous);
        }

        return new ShardLeaseResult(true, ownerId, state.ExpiresAt);
    }

    public async Task<ShardLeaseResult> RenewAsync(string ownerId, TimeSpan ttl)
    {
        Validate(ownerId, ttl);
        var now = clock.GetUtcNow();
        var state = lease.State;
        if (!string.Equals(state.Holder, ownerId, StringComparison.Ordinal) || !IsHeld(state, now))
        {
            // Lapsed or someone else's: renewing must not resurrect a lease another owner may already have been granted.
            return IsHeld(state, now) ? new ShardLeaseResult(false, state.Holder, state.ExpiresAt) : new ShardLeaseResult(false, null, null);
        }

        state.ExpiresAt = now + ttl;
        await lease.WriteStateAsync();
        return new ShardLeaseResult(true, ownerId, state.ExpiresAt);
    }

    public async Task<bool> ReleaseAsync(string ownerId)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(ownerId);
        var state = lease.State;
        if (!string.Equals(state.Holder, ownerId, StringComparison.Ordinal) || !IsHeld(state, clock.GetUtcNow()))
        {
            return false;
        }

        await lease.ClearStateAsync();
        lease.State = new ShardLeaseState();
        return true;
    }

    public Task<ShardLeaseResult> GetAsync()
    {
        var state = lease.State;
        return Task.FromResult(IsHeld(state, clock.GetUtcNow())
            ? new ShardLeaseResult(false, state.Holder, state.ExpiresAt)
            : new ShardLeaseResult(false, null, null));
    }

    private static bool IsHeld(ShardLeaseState state, DateTimeOffset now) => state.Holder is not null && now < state.ExpiresAt;

    private static void Validate(string ownerId, TimeSpan ttl)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(ownerId);
        if (ttl <= TimeSpan.Zero || ttl > MaxTtl)
        {
            throw new ArgumentOutOfRangeException(nameof(ttl), ttl, $"A lease lasts more than zero and at most {MaxTtl}.");
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Shard lease {LeaseKey}: taken over by {Owner} after {PreviousOwner}'s lapsed")]
    private partial void LogTakenOver(string leaseKey, string owner, string previousOwner);
}
