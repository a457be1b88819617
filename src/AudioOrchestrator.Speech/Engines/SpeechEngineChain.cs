using System.Diagnostics.Metrics;
using Microsoft.Extensions.Logging;

namespace AudioOrchestrator.Speech;

/// <summary>One engine of a chain: which it is, its client, and its circuit breaker (shared by every chain that uses it).</summary>
internal sealed record SpeechEngineLink<TClient>(SpeechEngineKind Kind, TClient Client, CircuitBreaker Circuit);

/// <summary>
/// What the speech-to-text and text-to-speech chains share: the order of engines, the time a cloud engine gets to its
/// first byte, skipping an engine whose breaker is open, and one counted, logged line per switch to the next engine.
/// The embedded engine is never skipped and gets no first-byte limit: it is the end of the chain.
/// </summary>
internal sealed partial class SpeechEngineChain<TClient>(
    string stage,
    IReadOnlyList<SpeechEngineLink<TClient>> links,
    TimeSpan firstByteTimeout,
    TimeProvider time,
    Counter<long> fallbacks,
    ILogger logger)
{
    /// <summary>The engines in order.</summary>
    public IReadOnlyList<SpeechEngineLink<TClient>> Links => links;

    /// <summary>
    /// Runs <paramref name="attempt"/> on each engine in turn until one gets to its first byte. The token an attempt gets
    /// is cancelled when its first-byte time is up; the attempt calls <c>firstByte</c> once output arrived, after which
    /// it is the caller's (its errors are the caller's too, as that output may already be playing).
    /// </summary>
    public async Task<T> RunAsync<T>(Func<SpeechEngineLink<TClient>, CancellationToken, Action, Task<T>> attempt, CancellationToken cancellationToken)
    {
        List<Exception>? failures = null;
        for (var i = 0; i < links.Count; i++)
        {
            var link = links[i];
            var last = i == links.Count - 1;
            if (link.Kind != SpeechEngineKind.Embedded && !link.Circuit.TryEnter(time.GetUtcNow()))
            {
                continue;
            }

            var cloud = link.Kind != SpeechEngineKind.Embedded;
            using var limit = cloud ? new CancellationTokenSource(firstByteTimeout, time) : new CancellationTokenSource();

            // Not disposed on success: a streamed answer goes on with this token (the caller's cancellation reaches it).
            var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, limit.Token);
            var gotFirstByte = false;
            try
            {
                var result = await attempt(link, linked.Token, () =>
                {
                    gotFirstByte = true;
                    limit.CancelAfter(Timeout.InfiniteTimeSpan);
                }).ConfigureAwait(false);
                link.Circuit.Succeeded();
                return result;
            }
            catch (Exception ex) when (!cancellationToken.IsCancellationRequested && !gotFirstByte && !last && IsEngineFailure(ex))
            {
                linked.Dispose();
                var reason = limit.IsCancellationRequested ? $"no first byte within {firstByteTimeout.TotalMilliseconds:0} ms" : ex.GetType().Name + ": " + ex.Message;
                if (link.Circuit.Failed(time.GetUtcNow()))
                {
                    LogCircuitOpened(logger, stage, link.Kind);
                }

                var next = links[i + 1].Kind;
                fallbacks.Add(1, new KeyValuePair<string, object?>("stage", stage), new KeyValuePair<string, object?>("from", link.Kind.ToString()), new KeyValuePair<string, object?>("to", next.ToString()));
                LogFallback(logger, stage, link.Kind, next, reason);
                (failures ??= []).Add(ex);
            }
            catch (Exception ex) when (!cancellationToken.IsCancellationRequested && IsEngineFailure(ex))
            {
                linked.Dispose();
                if (cloud)
                {
                    link.Circuit.Failed(time.GetUtcNow());
                }

                throw new SpeechEngineException($"{stage}: {link.Kind} failed{(gotFirstByte ? " after its first byte" : "")}: {ex.Message}", ex);
            }
        }

        throw new SpeechEngineException($"{stage}: no engine is available (every engine's circuit is open).", failures is null ? null : new AggregateException(failures));
    }

    private static bool IsEngineFailure(Exception ex) => ex is not (ArgumentException or ObjectDisposedException);

    [LoggerMessage(EventId = 6300, Level = LogLevel.Warning, Message = "{Stage}: {From} failed ({Reason}); the utterance goes to {To}")]
    private static partial void LogFallback(ILogger logger, string stage, SpeechEngineKind from, SpeechEngineKind to, string reason);

    [LoggerMessage(EventId = 6301, Level = LogLevel.Warning, Message = "{Stage}: {Engine} failed repeatedly and is kept out of the chain for a while")]
    private static partial void LogCircuitOpened(ILogger logger, string stage, SpeechEngineKind engine);
}

/// <summary>A speech engine failed and no engine after it could take over.</summary>
public sealed class SpeechEngineException : Exception
{
    public SpeechEngineException()
    {
    }

    public SpeechEngineException(string message)
        : base(message)
    {
    }

    public SpeechEngineException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }
}
