namespace AudioOrchestrator.Grains.Retention;

/// <summary>
/// Something that keeps session data for <c>Sessions:RetentionDays</c> and deletes what expired when the retention
/// reminder fires (the retention grain, <see cref="IArchiveRetentionGrain"/>): the turn archive, and any store of answer audio. Register
/// each one as a singleton <see cref="IRetentionParticipant"/>; they run one after the other, and one that fails does
/// not keep the others from running.
/// </summary>
public interface IRetentionParticipant
{
    /// <summary>What is deleted, for logs (e.g. <c>turn archive</c>).</summary>
    string Name { get; }

    /// <summary>Deletes what was committed before <paramref name="cutoff"/>; returns how many items.</summary>
    Task<long> DeleteOlderThanAsync(DateTimeOffset cutoff, CancellationToken cancellationToken);
}
