namespace AudioOrchestrator.Ingress.Streams;

/// <summary>
/// Publishes an audio-in item again when the speaker grain's silo went away under the call
/// (<see cref="SiloUnavailableException"/>, alone or inside the channel's <see cref="AggregateException"/>): the grain
/// activates on another silo on the next attempt. Other errors, and the last attempt's, are thrown, so an upload fails
/// instead of waiting for answers that cannot come.
/// </summary>
public static class SiloUnavailablePublishRetry
{
    /// <summary>Attempts in all.</summary>
    public const int Attempts = 4;

    /// <summary>The wait before the first retry (doubled for each next one): 0.5 + 1 + 2 s cover a crashed silo being declared dead on a default failure detector.</summary>
    public static readonly TimeSpan FirstDelay = TimeSpan.FromMilliseconds(500);

    public static async Task RunAsync(Func<Task> publish, TimeProvider time, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(publish);
        ArgumentNullException.ThrowIfNull(time);
        var delay = FirstDelay;
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await publish().ConfigureAwait(false);
                return;
            }
            catch (Exception ex) when (attempt < Attempts && IsSiloUnavailable(ex))
            {
                await Task.Delay(delay, time, cancellationToken).ConfigureAwait(false);
                delay *= 2;
            }
        }
    }

    private static bool IsSiloUnavailable(Exception ex) => ex switch
    {
        SiloUnavailableException => true,
        AggregateException aggregate => aggregate.InnerExceptions.Count > 0 && aggregate.InnerExceptions.All(IsSiloUnavailable),
        _ => false,
    };
}
