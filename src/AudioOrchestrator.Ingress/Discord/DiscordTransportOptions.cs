using System.ComponentModel.DataAnnotations;

namespace AudioOrchestrator.Ingress.Discord;

/// <summary>The Discord transport of the ingress (section <c>Discord:Transport</c>). The transport runs when <c>Discord:Token</c> is set.</summary>
public sealed class DiscordTransportOptions : IValidatableObject
{
    public const string SectionName = "Discord:Transport";

    /// <summary>Received 20 ms frames queued per speaker before the oldest are dropped (and counted); 250 = 5 s.</summary>
    [Range(4, 10_000)]
    public int SpeakerQueueFrames { get; set; } = 250;

    /// <summary>Answer frames queued per guild for playback before the oldest are dropped; 3000 = 60 s.</summary>
    [Range(50, 100_000)]
    public int PlaybackQueueFrames { get; set; } = 3000;

    /// <summary>How long a batch of received frames may wait for more consecutive frames before it is published.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:00:01")]
    public TimeSpan BatchWait { get; set; } = TimeSpan.FromMilliseconds(70);

    /// <summary>
    /// Take a lease (a grain) on each gateway shard before running it, so that when several ingress processes run, each
    /// shard runs in exactly one of them. Off: this process runs every shard.
    /// </summary>
    public bool ShardLeaseEnabled { get; set; } = true;

    /// <summary>How long a shard lease lasts without renewal: the longest a crashed process's shards stay unserved.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan ShardLeaseTtl { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How often held leases are renewed and free ones retried; at most half of <see cref="ShardLeaseTtl"/>.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:30:00")]
    public TimeSpan ShardLeaseRenewInterval { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>The most shards this process runs (0 = as many as it can get): spreads the shards over several processes.</summary>
    [Range(0, 100_000)]
    public int ShardLeaseMaxShards { get; set; }

    /// <summary>Voice channels joined once their guild is available (unless the guild's remembered channel differs).</summary>
    public IList<AutoJoinChannel> AutoJoin { get; } = [];

    /// <summary>Leave a voice channel after this long with nobody but the bot in it; 00:00:00 = never.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "1.00:00:00")]
    public TimeSpan AloneTimeout { get; set; } = TimeSpan.FromMinutes(2);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (ShardLeaseRenewInterval > ShardLeaseTtl / 2)
        {
            yield return new ValidationResult(
                $"{nameof(ShardLeaseRenewInterval)} ({ShardLeaseRenewInterval}) must be at most half of {nameof(ShardLeaseTtl)} ({ShardLeaseTtl}), so a lease is renewed before it lapses.",
                [nameof(ShardLeaseRenewInterval)]);
        }

        for (var i = 0; i < AutoJoin.Count; i++)
        {
            var entry = AutoJoin[i];
            if (entry is null || entry.GuildId == 0 || entry.ChannelId == 0)
            {
                yield return new ValidationResult($"{nameof(AutoJoin)}:{i} needs a non-zero GuildId and ChannelId.", [nameof(AutoJoin)]);
            }
            else if (AutoJoin.Take(i).Any(e => e?.GuildId == entry.GuildId))
            {
                yield return new ValidationResult($"{nameof(AutoJoin)}:{i}: guild {entry.GuildId} is listed twice (the bot is in one voice channel per guild).", [nameof(AutoJoin)]);
            }
        }
    }
}

/// <summary>A voice channel to join on start (<c>Discord:Transport:AutoJoin:N</c>).</summary>
public sealed class AutoJoinChannel
{
    public ulong GuildId { get; set; }

    public ulong ChannelId { get; set; }
}
