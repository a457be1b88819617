using AudioOrchestrator.Grains.Retention;

namespace AudioOrchestrator.Silo.Retention;

/// <summary>
/// Once the silo has started: registers the retention reminder when <c>Sessions:RetentionDays</c> is set, or removes
/// one left from an earlier configuration. Every silo does it; registering the same reminder again changes nothing.
/// </summary>
internal sealed partial class RetentionScheduler(IGrainFactory grains, ILogger<RetentionScheduler> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        try
        {
            await grains.GetGrain<IArchiveRetentionGrain>(IArchiveRetentionGrain.Key).ScheduleAsync().WaitAsync(cancellationToken);
        }
#pragma warning disable CA1031 // Retention is not worth failing the start: the next start (or another silo) schedules it.
        catch (Exception ex) when (ex is not OperationCanceledException)
#pragma warning restore CA1031
        {
            LogFailed(logger, ex);
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(Level = LogLevel.Error, Message = "Retention: scheduling the reminder that deletes expired session data failed (Sessions:RetentionDays)")]
    private static partial void LogFailed(ILogger logger, Exception exception);
}
