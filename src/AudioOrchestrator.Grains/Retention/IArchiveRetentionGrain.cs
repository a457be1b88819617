namespace AudioOrchestrator.Grains.Retention;

/// <summary>
/// Retention for the whole cluster: one grain (<see cref="Key"/>) whose reminder deletes expired session data hourly
/// through every <see cref="IRetentionParticipant"/>.
/// </summary>
public interface IArchiveRetentionGrain : IGrainWithStringKey
{
    /// <summary>The key of the cluster's one retention grain.</summary>
    public const string Key = "archive-retention";

    /// <summary>Registers the hourly reminder when <c>Sessions:RetentionDays</c> is set, or removes it when it is not.</summary>
    Task ScheduleAsync();

    /// <summary>Deletes what expired now (what the reminder does); returns how many items were deleted.</summary>
    Task<long> PurgeExpiredAsync();
}
