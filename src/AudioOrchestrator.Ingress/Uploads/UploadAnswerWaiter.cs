using AudioOrchestrator.Contracts;
using AudioOrchestrator.Ingress.Streams;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AudioOrchestrator.Ingress.Uploads;

/// <summary>
/// Waits for an upload's answers, and every <see cref="IngressOptions.AnswerProbePeriod"/> asks the grain that has the
/// upload whether it does: the speaker until it reported the whole recording heard, then the session. An activation
/// that never had it is a new one (the one that had it died with its silo), and the answers would never come: the
/// client is told at once instead of after <see cref="IngressOptions.TurnTimeout"/>. When the speaker has the upload
/// but nothing of it has arrived after two periods, the way out is checked once
/// (<see cref="SessionOutputHub.CheckRouteAsync"/>): a relay activation that does not get the session's events steps
/// down, and the next renewal of the subscription finds the one that kept them.
/// </summary>
public sealed partial class UploadAnswerWaiter(
    IClusterClient client, SessionOutputHub outputs, IOptions<IngressOptions> options, TimeProvider clock, ILogger<UploadAnswerWaiter> logger)
{
    /// <summary>Returns when every turn of the upload finished (its audio all published before this is called).</summary>
    /// <exception cref="TimeoutException">The answers did not arrive within <see cref="IngressOptions.TurnTimeout"/>.</exception>
    /// <exception cref="UploadCutException">The speaker activation that heard the recording is gone before it reported it heard.</exception>
    /// <exception cref="TurnLostException">The session activation that had the recording's turns is gone (or the session was deleted).</exception>
    public async Task WaitAsync(SpeakerRef speaker, string correlationId, TurnCollector collector, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(speaker);
        ArgumentNullException.ThrowIfNull(collector);
        var settings = options.Value;
        var started = clock.GetTimestamp();
        var routeChecked = false;
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
                var heard = await AskAsync(speaker.SessionId, () => client.GetGrain<ISpeakerGrain>(speaker.StreamKey).HasHeardAsync(correlationId), cancellationToken);
                if (heard is false && !collector.InputHeard)
                {
                    LogSpeakerGone(logger, speaker.StreamKey, correlationId, clock.GetElapsedTime(started).TotalSeconds);
                    throw new UploadCutException();
                }

                if (heard is true && !routeChecked && !collector.AnyTurn && clock.GetElapsedTime(started) >= settings.AnswerProbePeriod * 2)
                {
                    routeChecked = true;
                    await outputs.CheckRouteAsync(speaker.SessionId, cancellationToken);
                }
            }
            else if (await AskAsync(speaker.SessionId, () => client.GetGrain<IConversationGrain>(speaker.SessionId).HasInputAsync(correlationId), cancellationToken) is false
                && !collector.Completion.IsCompleted)
            {
                LogSessionGone(logger, speaker.SessionId, correlationId, clock.GetElapsedTime(started).TotalSeconds);
                throw new TurnLostException();
            }
        }
    }

    /// <summary>The grain's reply, or null when it gave none in time (its silo may be dead and not yet declared so).</summary>
    private async Task<bool?> AskAsync(string sessionId, Func<Task<bool>> question, CancellationToken cancellationToken)
    {
        try
        {
            return await question().WaitAsync(options.Value.ClusterCallTimeout, clock, cancellationToken);
        }
        catch (Exception ex) when (ex is TimeoutException or OrleansException)
        {
            LogProbeFailed(logger, ex, sessionId);
            return null;
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Speaker {Speaker}: upload {CorrelationId} was published but the speaker's activation never heard it ({Seconds:F1} s in): the one that did is gone (the client is told to send it again)")]
    private static partial void LogSpeakerGone(ILogger logger, string speaker, string correlationId, double seconds);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Session {SessionId}: upload {CorrelationId} was heard but the session's activation never had its turns ({Seconds:F1} s in): the one that did is gone, or the session was deleted (the client is told to send it again)")]
    private static partial void LogSessionGone(ILogger logger, string sessionId, string correlationId, double seconds);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Session {SessionId}: no reply to whether an upload is still there (asked again)")]
    private static partial void LogProbeFailed(ILogger logger, Exception exception, string sessionId);
}
