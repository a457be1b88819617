using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using AudioOrchestrator.Contracts;
using AudioOrchestrator.Ingress.Streams;
using Microsoft.Extensions.Logging;

namespace AudioOrchestrator.Ingress.Text;

/// <summary>
/// Text turns: puts a typed question to the session's <see cref="IConversationGrain"/> as an utterance with source
/// <see cref="TurnSources.Text"/> (the same path as a transcript: routing, agents, history, context, tools) and yields
/// the answer's events as the session publishes them (<see cref="IConversationGrain.AskAsync"/>), up to and including
/// its <see cref="AnswerCompleted"/> or <see cref="TurnFailed"/>. When the answer is spoken, its
/// <see cref="AnswerAudio"/> (which only goes on the session's audio-out stream) is gathered there and yielded before
/// the completion. Used by the REST messages endpoint and Discord's <c>/ask</c>.
/// </summary>
public sealed partial class TextTurnSender(IClusterClient client, SessionOutputHub outputs, TimeProvider clock, ILogger<TextTurnSender> logger)
{
    /// <summary>Asks and streams the answer.</summary>
    /// <exception cref="TimeoutException">The answer did not complete within <paramref name="timeout"/>.</exception>
    public async IAsyncEnumerable<SessionOutputEvent> AskAsync(TextQuestion question, TimeSpan timeout, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(question);
        ArgumentException.ThrowIfNullOrWhiteSpace(question.Text);
        using var activity = IngressTelemetry.ActivitySource.StartActivity("ingress.text");
        activity?.SetTag("session.id", question.SessionId);
        activity?.SetTag("correlation.id", question.CorrelationId);
        using var scope = logger.BeginScope("Session {SessionId} correlation {CorrelationId}", question.SessionId, question.CorrelationId);
        using var deadline = new CancellationTokenSource(timeout, clock);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, deadline.Token);

        // A spoken answer's audio is only on audio-out: listen there before asking, so none of it is missed.
        var audio = question.Speak ? new SpokenAudio(question.CorrelationId) : null;
        await using var listening = audio is null ? null : await outputs.ListenAsync(question.SessionId, audio.OnEventAsync, cancellationToken).ConfigureAwait(false);

        var now = clock.GetUtcNow();
        var utterance = new Utterance(
            Guid.CreateVersion7().ToString("N"),
            new SpeakerRef(question.SessionId, question.SpeakerId),
            question.Text.Trim(),
            Confidence: null,
            new UtteranceTimings(now, now, now, AudioMs: 0, SttMs: 0),
            question.CorrelationId,
            Source: TurnSources.Text,
            Speak: question.Speak);
        LogAsking(logger, question.Text.Length, question.Speak);
        var answer = client.GetGrain<IConversationGrain>(question.SessionId).AskAsync(utterance, linked.Token).GetAsyncEnumerator(linked.Token);
        await using (answer.ConfigureAwait(false))
        {
            while (await Deadline(answer.MoveNextAsync(), timeout, deadline, cancellationToken).ConfigureAwait(false))
            {
                var item = answer.Current;
                if (item is AnswerCompleted && audio is not null)
                {
                    await Deadline(audio.Complete, timeout, deadline, cancellationToken, linked.Token).ConfigureAwait(false);
                    foreach (var frames in audio.Frames)
                    {
                        yield return frames;
                    }
                }

                yield return item;
                if (item is AnswerCompleted or TurnFailed)
                {
                    yield break;
                }
            }
        }

        yield return new TurnFailed("", "The session was forgotten (or its silo stopped) before the answer was complete.") { CorrelationId = question.CorrelationId };
    }

    private async Task<bool> Deadline(ValueTask<bool> moved, TimeSpan timeout, CancellationTokenSource deadline, CancellationToken requestAborted)
    {
        try
        {
            return await moved.ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested && !requestAborted.IsCancellationRequested)
        {
            throw TimedOut(timeout);
        }
        catch (EnumerationAbortedException ex)
        {
            LogLostSession(logger, ex.Message);
            return false; // the session's activation went away (forgotten and deactivated, or its silo stopped)
        }
    }

    private async Task Deadline(Task work, TimeSpan timeout, CancellationTokenSource deadline, CancellationToken requestAborted, CancellationToken either)
    {
        try
        {
            await work.WaitAsync(either).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested && !requestAborted.IsCancellationRequested)
        {
            throw TimedOut(timeout);
        }
    }

    private TimeoutException TimedOut(TimeSpan timeout)
    {
        LogTimedOut(logger, timeout.TotalSeconds);
        return new TimeoutException($"No complete answer within {timeout.TotalSeconds:0} s.");
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Text turn asked ({Characters} characters, speak {Speak})")]
    private static partial void LogAsking(ILogger logger, int characters, bool speak);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Text turn timed out after {Seconds:0} s waiting for its answer")]
    private static partial void LogTimedOut(ILogger logger, double seconds);

    [LoggerMessage(Level = LogLevel.Information, Message = "Text turn ended without an answer: the session's activation went away ({Reason})")]
    private static partial void LogLostSession(ILogger logger, string reason);

    /// <summary>Gathers a spoken answer's audio from audio-out; complete once the stream has carried the answer's completion (audio comes before it).</summary>
    private sealed class SpokenAudio(string correlationId)
    {
        private readonly ConcurrentQueue<AnswerAudio> _frames = new();
        private readonly TaskCompletionSource _complete = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task Complete => _complete.Task;

        public IEnumerable<AnswerAudio> Frames => _frames;

        public Task OnEventAsync(SessionOutputEvent item)
        {
            if (string.Equals(item.CorrelationId, correlationId, StringComparison.Ordinal))
            {
                if (item is AnswerAudio audio)
                {
                    _frames.Enqueue(audio);
                }
                else if (item is AnswerCompleted or TurnFailed)
                {
                    _complete.TrySetResult();
                }
            }

            return Task.CompletedTask;
        }
    }
}
