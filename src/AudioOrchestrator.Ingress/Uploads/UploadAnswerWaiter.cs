using AudioOrchestrator.Contracts;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AudioOrchestrator.Ingress.Uploads;

/// <summary>
/// Waits for an upload's answers. Once the speaker heard the whole recording, the session is asked every
/// <see cref="IngressOptions.AnswerProbePeriod"/> whether it still works on it: a session activation that never had the
/// upload's turns (the one that had them died with its silo) would leave the client waiting for
/// <see cref="IngressOptions.TurnTimeout"/> for answers that never come.
/// </summary>
public sealed partial class UploadAnswerWaiter(
    IClusterClient client, IOptions<IngressOptions> options, TimeProvider clock, ILogger<UploadAnswerWaiter> logger)
{
    /// <summary>"Not answering" replies in a row, with no event of the upload between them, that make its turns lost.</summary>
    private const int IdleRepliesToGiveUp = 2;

    /// <summary>Returns when every turn of the upload finished.</summary>
    /// <exception cref="TimeoutException">The answers did not arrive within <see cref="IngressOptions.TurnTimeout"/>.</exception>
    /// <exception cref="TurnLostException">The session no longer works on the upload and its answers did not all come.</exception>
    public async Task WaitAsync(string sessionId, string correlationId, TurnCollector collector, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(collector);
        var settings = options.Value;
        var started = clock.GetTimestamp();
        var idleReplies = 0;
        var eventsSeen = -1;
        while (true)
        {
            var left = settings.TurnTimeout - clock.GetElapsedTime(started);
            if (left <= TimeSpan.Zero)
            {
                throw new TimeoutException($"No complete answer within {settings.TurnTimeout.TotalSeconds:F0} s.");
            }

            try
            {
                await collector.Completion.WaitAsync(left < settings.AnswerProbePeriod ? left : settings.AnswerProbePeriod, clock, cancellationToken);
                return;
            }
            catch (TimeoutException)
            {
            }

            if (!collector.InputHeard)
            {
                continue; // the speaker still hears the recording; a cut one says so itself
            }

            var events = collector.EventCount;
            if (events != eventsSeen)
            {
                eventsSeen = events;
                idleReplies = 0; // answers are still arriving
            }

            if (await IsAnsweringAsync(sessionId, correlationId, cancellationToken) is not false)
            {
                idleReplies = 0;
                continue;
            }

            if (++idleReplies >= IdleRepliesToGiveUp && collector.EventCount == eventsSeen && !collector.Completion.IsCompleted)
            {
                LogLost(logger, sessionId, correlationId, clock.GetElapsedTime(started).TotalSeconds);
                throw new TurnLostException();
            }
        }
    }

    /// <summary>The session's reply, or null when it gave none in time (its silo may be dead and not yet declared so).</summary>
    private async Task<bool?> IsAnsweringAsync(string sessionId, string correlationId, CancellationToken cancellationToken)
    {
        try
        {
            return await client.GetGrain<IConversationGrain>(sessionId).IsAnsweringAsync(correlationId)
                .WaitAsync(options.Value.ClusterCallTimeout, clock, cancellationToken);
        }
        catch (Exception ex) when (ex is TimeoutException or OrleansException)
        {
            LogProbeFailed(logger, ex, sessionId);
            return null;
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Session {SessionId}: the upload {CorrelationId} was heard but the session no longer answers it ({Seconds:F1} s in): its turns died with their activation (the client is told to send it again)")]
    private static partial void LogLost(ILogger logger, string sessionId, string correlationId, double seconds);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Session {SessionId}: no reply to whether it still answers an upload (asked again)")]
    private static partial void LogProbeFailed(ILogger logger, Exception exception, string sessionId);
}
