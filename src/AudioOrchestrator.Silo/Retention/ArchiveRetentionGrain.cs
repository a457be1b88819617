using AudioOrchestrator.Grains.Retention;
using Microsoft.Extensions.Options;

namespace AudioOrchestrator.Silo.Retention;

/// <summary>
/// Deletes session data older than <c>Sessions:RetentionDays</c> through every <see cref="IRetentionParticipant"/>,
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
        if (options.Value.Retention is { } retention)
        {
            await this.RegisterOrUpdateReminder(ReminderName, FirstRunDelay, Period);
            LogScheduled(logger, retention.TotalDays, Period, _participants.Length);
            return;
        }

        if (await this.GetReminder(ReminderName) is { } reminder)
        {
            await this.UnregisterReminder(reminder); // retention was turned off
            LogUnscheduled(logger);
        }
    }

    public async Task<long> PurgeExpiredAsync()
    {
        if (options.Value.Retention is not { } retention)
        {
            return 0;
        }

        var cutoff = clock.GetUtcNow() - retention;
        long total = 0;
        foreach (var participant in _participants)
        {
            try
            {
                var deleted = await participant.DeleteOlderThanAsync(cutoff, CancellationToken.None);
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

        if (options.Value.Retention is null)
        {
            await ScheduleAsync(); // turned off since it was registered: remove the reminder
            return;
        }

        await PurgeExpiredAsync();
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Retention: session data older than {Days} days is deleted every {Period} ({Participants} stores)")]
    private static partial void LogScheduled(ILogger logger, double days, TimeSpan period, int participants);

    [LoggerMessage(Level = LogLevel.Information, Message = "Retention: off (Sessions:RetentionDays unset); its reminder was removed")]
    private static partial void LogUnscheduled(ILogger logger);

    [LoggerMessage(Level = LogLevel.Information, Message = "Retention: {Store} deleted {Deleted} items committed before {Cutoff:O}")]
    private static partial void LogPurged(ILogger logger, string store, long deleted, DateTimeOffset cutoff);

    [LoggerMessage(Level = LogLevel.Error, Message = "Retention: deleting from {Store} what was committed before {Cutoff:O} failed; retried at the next period")]
    private static partial void LogPurgeFailed(ILogger logger, Exception exception, string store, DateTimeOffset cutoff);
}
