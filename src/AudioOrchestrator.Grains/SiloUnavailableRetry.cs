namespace AudioOrchestrator.Grains;

/// <summary>
/// Runs a call again when its target silo went away under it (<see cref="SiloUnavailableException"/>): a silo that is
/// stopping (a rolling restart) or died hosted the target (e.g. a stream queue grain), which activates on another silo
/// on the next attempt. Without it the turn that was publishing failed and its answer was cut. Other errors, and the
/// last attempt's, are thrown.
/// </summary>
public static class SiloUnavailableRetry
{
    /// <summary>Attempts in all (the first and two retries).</summary>
    public const int Attempts = 3;

    /// <summary>The wait before the first retry (doubled for the next): long enough for the target to activate elsewhere.</summary>
    public static readonly TimeSpan FirstDelay = TimeSpan.FromMilliseconds(200);

    public static Task RunAsync(Func<Task> call, TimeProvider time) => RunAsync(call, time, FirstDelay);

    public static async Task RunAsync(Func<Task> call, TimeProvider time, TimeSpan firstDelay)
    {
        ArgumentNullException.ThrowIfNull(call);
        ArgumentNullException.ThrowIfNull(time);
        var delay = firstDelay;
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await call();
                return;
            }
            catch (SiloUnavailableException) when (attempt < Attempts)
            {
                await Task.Delay(delay, time);
                delay *= 2;
            }
        }
    }
}
