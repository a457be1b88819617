using System.Globalization;

namespace AudioOrchestrator.Contracts;

/// <summary>
/// A lease on one Discord gateway shard, so that exactly one ingress process runs a given shard when several run.
/// Persisted (it survives deactivation); a lease that is not renewed expires after its time-to-live and can then be
/// taken over. Key: <see cref="DiscordShardLeases.Key"/>.
/// </summary>
public interface IDiscordShardLeaseGrain : IGrainWithStringKey
{
    /// <summary>
    /// Grants the lease to <paramref name="ownerId"/> for <paramref name="ttl"/> when it is free, expired or already held
    /// by that owner (then it is renewed); otherwise reports the holder and expiry without granting.
    /// </summary>
    Task<ShardLeaseResult> TryAcquireAsync(string ownerId, TimeSpan ttl);

    /// <summary>Extends the lease of <paramref name="ownerId"/>; not granted (and nothing changes) when another owner holds it or it lapsed and was taken.</summary>
    Task<ShardLeaseResult> RenewAsync(string ownerId, TimeSpan ttl);

    /// <summary>Frees the lease when <paramref name="ownerId"/> holds it; false (and nothing changes) otherwise.</summary>
    Task<bool> ReleaseAsync(string ownerId);

    /// <summary>The current holder and expiry (<see cref="ShardLeaseResult.Granted"/> is false; holder null when free or expired).</summary>
    Task<ShardLeaseResult> GetAsync();
}

/// <summary>The outcome of a lease request: whether the caller holds it, and who holds it until when.</summary>
/// <param name="Granted">The caller holds the lease until <paramref name="ExpiresAt"/>.</param>
/// <param name="Holder">The owner holding the lease, or null when it is free.</param>
/// <param name="ExpiresAt">When the holder's lease lapses unless renewed; null when free.</param>
[GenerateSerializer, Immutable]
public sealed record ShardLeaseResult(
    [property: Id(0)] bool Granted,
    [property: Id(1)] string? Holder,
    [property: Id(2)] DateTimeOffset? ExpiresAt);

/// <summary>Keys of the shard lease grains.</summary>
public static class DiscordShardLeases
{
    /// <summary>
    /// The lease key of shard <paramref name="shardId"/> of <paramref name="shardCount"/> for one bot, e.g.
    /// <c>bot-1234/2/0</c>. The shard count is part of the key: processes configured with different counts route
    /// guilds differently and must not share leases.
    /// </summary>
    public static string Key(string botKey, int shardId, int shardCount)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(botKey);
        ArgumentOutOfRangeException.ThrowIfNegative(shardId);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(shardCount, shardId);
        return string.Create(CultureInfo.InvariantCulture, $"{botKey}/{shardCount}/{shardId}");
    }
}

/// <summary>
/// The voice channel the bot should be in for one guild, persisted so that a restarted ingress rejoins it. Set on every
/// join (REST, slash command, auto-join), cleared on a deliberate leave (including leaving when alone). Key: the guild id
/// in decimal (as for user ids).
/// </summary>
public interface IDiscordGuildVoiceChannelGrain : IGrainWithStringKey
{
    /// <summary>Records <paramref name="channelId"/> as the guild's desired voice channel, or clears it (null).</summary>
    Task SetAsync(ulong? channelId);

    /// <summary>The desired voice channel, or null when the bot should not be in voice.</summary>
    Task<ulong?> GetAsync();
}
