using AudioOrchestrator.Grains.Retention;
using Microsoft.Extensions.Options;

namespace AudioOrchestrator.Silo.Retention;

/// <summary>
/// Deletes expired session data (older than <c>Sessions:RetentionDays</c>, or by a store's own retention such as answer
/// audio's) through every <see cref="IRetentionParticipant"/>,
/// from a reminder (so it runs on one silo of the cluster at a time, and survives restarts with ADO.NET reminders).
/// </summary>
public sealed partial class ArchiveRetentionGrain(
    IEnumerable<IRetentionParticipant> participants,
    IOptions<SessionRetentionOptions> options,
    TimeProvider clock,
    ILogger<ArchiveRetentionGrain> logger)
    : Grain, IArchiveRetentionGrain, IRemindable
{
    /// <summary>The reminder's name.</summary>
    public const string ReminderName = "purge-expired";

    /// <summary>How often expired data is deleted.</summary>
    public static readonly TimeSpan Period = TimeSpan.FromHours(1);

    /// <summary>How long after scheduling the first run comes (the silo has just started).</summary>
    public static readonly TimeSpan FirstRunDelay = TimeSpan.FromMinutes(1);

    private readonly IRetentionParticipant[] _participants = [.. participants];

    public async Task ScheduleAsync()
    {
        if (IsDue)
        {
            await this.RegisterOrUpdateReminder(ReminderName, FirstRunDelay, Period);
            LogScheduled(logger, options.Value.Retention?.TotalDays, Period, _participants.Length);
            return;
        }

        if (await this.GetReminder(ReminderName) is { } reminder)
        {
            await this.UnregisterReminder(reminder); // retention was turned off
            LogUnscheduled(logger);
        }
    }

    /// <summary>Something expires: sessions (<c>Sessions:RetentionDays</c>) or a store with a retention of its own.</summary>
    private bool IsDue => options.Value.Retention is not null || _participants.Any(p => p.HasOwnRetention);

    public async Task<long> PurgeExpiredAsync()
    {
        if (!IsDue)
        {
            return 0;
        }

        DateTimeOffset? cutoff = options.Value.Retention is { } retention ? clock.GetUtcNow() - retention : null;
        long total = 0;
        foreach (var participant in _participants)
        {
            try
            {
                var deleted = await participant.DeleteExpiredAsync(cutoff, CancellationToken.None);
                total += deleted;
                LogPurged(logger, participant.Name, deleted, cutoff);
            }
#pragma warning disable CA1031 // One store failing must not keep the others from deleting; retried at the next period.
            catch (Exception ex)
#pragma warning restore CA1031
            {
                LogPurgeFailed(logger, ex, participant.Name, cutoff);
            }
        }

        return total;
    }

    public async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        if (reminderName != ReminderName)
        {
            return;
        }

        if (!IsDue)
        {
            await ScheduleAsync(); // turned off since it was registered: remove the reminder
            return;
        }

        await PurgeExpiredAsync();
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Retention: expired session data is deleted every {Period} (sessions kept {Days} days, empty = forever; {Participants} stores)")]
    private static partial void LogScheduled(ILogger logger, double? days, TimeSpan period, int participants);

    [LoggerMessage(Level = LogLevel.Information, Message = "Retention: off (Sessions:RetentionDays unset, no store expires on its own); its reminder was removed")]
    private static partial void LogUnscheduled(ILogger logger);

    [LoggerMessage(Level = LogLevel.Information, Message = "Retention: {Store} deleted {Deleted} expired items (sessions' cutoff {Cutoff:O})")]
    private static partial void LogPurged(ILogger logger, string store, long deleted, DateTimeOffset? cutoff);

    [LoggerMessage(Level = LogLevel.Error, Message = "Retention: deleting expired items from {Store} (sessions' cutoff {Cutoff:O}) failed; retried at the next period")]
    private static partial void LogPurgeFailed(ILogger logger, Exception exception, string store, DateTimeOffset? cutoff);
}
