namespace AudioOrchestrator.Grains;

/// <summary>
/// Runs a call again when it did not reach its target because the target's silo went away: a silo that is stopping
/// (a rolling restart) or died hosted the target (e.g. a session's output relay), which activates on another silo on
/// a later attempt. Without it the turn that was publishing failed and its answer was cut. Retried are
/// <see cref="SiloUnavailableException"/> (the silo left, or a call in flight to it was broken when it was declared
/// dead) and the other <see cref="OrleansMessageRejectionException"/>s (e.g. the connection to a crashed silo was
/// refused before it was declared dead): a rejected message was not handled, so sending it again is safe. The waits
/// (0.2 s, doubled each time, 6.2 s in all) outlast the failure detection of a crash (<c>Cluster:ProbeTimeout</c> x
/// <c>NumMissedProbesLimit</c>). Other errors, and the last attempt's, are thrown.
/// </summary>
public static class SiloUnavailableRetry
{
    /// <summary>Attempts in all (the first and five retries).</summary>
    public const int Attempts = 6;

    /// <summary>The wait before the first retry (doubled for each next one): long enough for the target to activate elsewhere.</summary>
    public static readonly TimeSpan FirstDelay = TimeSpan.FromMilliseconds(200);

    public static Task RunAsync(Func<Task> call, TimeProvider time) => RunAsync(call, time, FirstDelay);

    public static Task RunAsync(Func<Task> call, TimeProvider time, TimeSpan firstDelay)
    {
        ArgumentNullException.ThrowIfNull(call);
        return RunAsync(
            async () =>
            {
                await call();
                return true;
            },
            time,
            firstDelay);
    }

    /// <summary>Runs <paramref name="call"/> until it reaches its target, and returns its result.</summary>
    public static Task<T> RunAsync<T>(Func<Task<T>> call, TimeProvider time) => RunAsync(call, time, FirstDelay);

    public static async Task<T> RunAsync<T>(Func<Task<T>> call, TimeProvider time, TimeSpan firstDelay)
    {
        ArgumentNullException.ThrowIfNull(call);
        ArgumentNullException.ThrowIfNull(time);
        var delay = firstDelay;
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await call();
            }
            catch (OrleansMessageRejectionException) when (attempt < Attempts)
            {
                await Task.Delay(delay, time);
                delay *= 2;
            }
        }
    }
}
