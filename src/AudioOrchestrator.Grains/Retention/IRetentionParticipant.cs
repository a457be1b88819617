namespace AudioOrchestrator.Grains.Retention;

/// <summary>
/// Something that keeps session data and deletes what expired when the retention reminder fires (the retention grain,
/// <see cref="IArchiveRetentionGrain"/>): the turn archive (by <c>Sessions:RetentionDays</c>), and the answer-audio
/// store (by its own retention). Register each one as a singleton <see cref="IRetentionParticipant"/>; they run one
/// after the other, and one that fails does not keep the others from running.
/// </summary>
public interface IRetentionParticipant
{
    /// <summary>What is deleted, for logs (e.g. <c>turn archive</c>).</summary>
    string Name { get; }

    /// <summary>
    /// True when it also expires data by a retention of its own, so the reminder runs even with <c>Sessions:RetentionDays</c> unset.
    /// </summary>
    bool HasOwnRetention { get; }

    /// <summary>
    /// Deletes what expired: what was committed before <paramref name="sessionCutoff"/> (null: sessions are kept forever),
    /// and what its own retention expired; returns how many items.
    /// </summary>
    Task<long> DeleteExpiredAsync(DateTimeOffset? sessionCutoff, CancellationToken cancellationToken);
}
