namespace AudioOrchestrator.Ingress.Streams;

/// <summary>
/// Makes a short grain call of this process (an audio-in publish, an output subscription) again when it met a silo
/// that went away, so the target activates on another silo on the next attempt:
/// <list type="bullet">
/// <item>the call was refused (<see cref="OrleansMessageRejectionException"/>, <see cref="SiloUnavailableException"/>
/// included, alone or inside the channel's <see cref="AggregateException"/>): it never reached its target;</item>
/// <item>no answer within the attempt timeout: the request was on its way to (or through) a silo that crashed. A
/// client is not told when a silo dies, so such a call would otherwise wait for Orleans' response timeout (30 s).
/// The calls made here are idempotent (an audio batch carries its sequence numbers, a subscription is renewed anyway),
/// so a call that was only slow does no harm when made again.</item>
/// </list>
/// The waits between attempts (doubled each time) outlast a crashed silo being declared dead. Other errors, and the
/// last attempt's, are thrown, so an upload fails instead of waiting for answers that cannot come.
/// </summary>
public static class ClusterCallRetry
{
    /// <summary>Attempts in all.</summary>
    public const int Attempts = 5;

    /// <summary>The wait before the first retry (doubled for each next one: 0.25 + 0.5 + 1 + 2 s).</summary>
    public static readonly TimeSpan FirstDelay = TimeSpan.FromMilliseconds(250);

    /// <param name="call">The grain call; made again on a refusal or a timeout.</param>
    /// <param name="attemptTimeout">How long one attempt may wait for its answer (<see cref="IngressOptions.ClusterCallTimeout"/>).</param>
    /// <param name="time">The clock of the timeouts and the waits.</param>
    /// <param name="cancellationToken">Ends the waiting (the call itself is not cancelled).</param>
    public static Task RunAsync(Func<Task> call, TimeSpan attemptTimeout, TimeProvider time, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(call);
        return RunAsync(_ => call(), attemptTimeout, time, cancellationToken);
    }

    /// <summary>As <see cref="RunAsync(Func{Task}, TimeSpan, TimeProvider, CancellationToken)"/>, telling the call which attempt it is.</summary>
    /// <param name="call">The grain call, given its attempt's number (1 for the first); made again on a refusal or a timeout.</param>
    /// <param name="attemptTimeout">How long one attempt may wait for its answer (<see cref="IngressOptions.ClusterCallTimeout"/>).</param>
    /// <param name="time">The clock of the timeouts and the waits.</param>
    /// <param name="cancellationToken">Ends the waiting (the call itself is not cancelled).</param>
    public static async Task RunAsync(Func<int, Task> call, TimeSpan attemptTimeout, TimeProvider time, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(call);
        ArgumentNullException.ThrowIfNull(time);
        var delay = FirstDelay;
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await call(attempt).WaitAsync(attemptTimeout, time, cancellationToken).ConfigureAwait(false);
                return;
            }
            catch (Exception ex) when (attempt < Attempts && IsRetriable(ex))
            {
                await Task.Delay(delay, time, cancellationToken).ConfigureAwait(false);
                delay *= 2;
            }
        }
    }

    private static bool IsRetriable(Exception ex) => ex switch
    {
        OrleansMessageRejectionException or TimeoutException => true,
        AggregateException aggregate => aggregate.InnerExceptions.Count > 0 && aggregate.InnerExceptions.All(IsRetriable),
        _ => false,
    };
}
