using System.Diagnostics;
using System.Net.ServerSentEvents;
using System.Runtime.CompilerServices;
using AudioOrchestrator.Contracts;
using AudioOrchestrator.Ingress.Uploads;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;

namespace AudioOrchestrator.Ingress.Text;

/// <summary>The answer to a text message: a response, or the problem that kept it from being answered.</summary>
public sealed record TextAnswerOutcome(TextMessageResponse? Response, ProblemDetails? Problem);

/// <summary>
/// One text message's exchange with its session: gathers the answer's events into the JSON answer (keeping spoken
/// audio downloadable), or relays them as Server-Sent Events as they come.
/// </summary>
public sealed class TextAnswerExchange(TextQuestion question, TextTurnSender sender, AnswerAudioKeeper answers, TimeSpan timeout, HttpRequest request, long startedTimestamp)
{
    private readonly TurnCollector _collector = new(question.CorrelationId);

    /// <summary>Waits for the whole answer.</summary>
    public async Task<TextAnswerOutcome> AnswerAsync(CancellationToken cancellationToken)
    {
        try
        {
            await foreach (var item in sender.AskAsync(question, timeout, cancellationToken).ConfigureAwait(false))
            {
                await _collector.OnEventAsync(item).ConfigureAwait(false);
            }
        }
        catch (TimeoutException ex)
        {
            return new TextAnswerOutcome(null, TimedOut(ex));
        }

        return await FinishAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The answer as Server-Sent Events: <c>started</c>, <c>delta</c>..., then <c>completed</c> or <c>failed</c>.</summary>
    public async IAsyncEnumerable<SseItem<object>> StreamAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var events = sender.AskAsync(question, timeout, cancellationToken).GetAsyncEnumerator(cancellationToken);
        await using (events.ConfigureAwait(false))
        {
            while (true)
            {
                SessionOutputEvent? item = null;
                ProblemDetails? timedOut = null;
                try
                {
                    if (!await events.MoveNextAsync().ConfigureAwait(false))
                    {
                        yield break;
                    }

                    item = events.Current;
                }
                catch (TimeoutException ex)
                {
                    timedOut = TimedOut(ex);
                }

                if (timedOut is not null)
                {
                    yield return new SseItem<object>(timedOut, TextAnswerEvents.Failed);
                    yield break;
                }

                await _collector.OnEventAsync(item!).ConfigureAwait(false);
                switch (item)
                {
                    case AnswerStarted started:
                        yield return new SseItem<object>(new TextAnswerStarted(question.SessionId, started.TurnId, started.Agent, started.Route), TextAnswerEvents.Started);
                        break;
                    case AnswerDelta delta:
                        yield return new SseItem<object>(new TextAnswerDelta(delta.TurnId, delta.Text), TextAnswerEvents.Delta);
                        break;
                    case AnswerCompleted or TurnFailed:
                        var outcome = await FinishAsync(cancellationToken).ConfigureAwait(false);
                        yield return outcome.Response is { } response
                            ? new SseItem<object>(response, TextAnswerEvents.Completed)
                            : new SseItem<object>(outcome.Problem!, TextAnswerEvents.Failed);
                        yield break;
                    default:
                        break;
                }
            }
        }
    }

    private async Task<TextAnswerOutcome> FinishAsync(CancellationToken cancellationToken)
    {
        var turn = _collector.BuildTurns().FirstOrDefault();
        if (turn?.Timings is not { } timings)
        {
            return new TextAnswerOutcome(null, new ProblemDetails
            {
                Status = StatusCodes.Status502BadGateway,
                Title = "The assistant could not answer",
                Detail = turn?.Error ?? "The turn failed.",
            });
        }

        string? audioUrl = null;
        if (question.Speak && turn.AnswerWav is { } wav
            && (await answers.KeepAsync(question.SessionId, [(turn.TurnId, wav)], cancellationToken).ConfigureAwait(false)).Count > 0)
        {
            // Kept before the answer names its address, so the address works at once on every node.
            audioUrl = AnswerAudioUrls.For(request, question.SessionId, turn.TurnId);
        }

        var total = Stopwatch.GetElapsedTime(startedTimestamp).TotalMilliseconds;
        return new TextAnswerOutcome(
            new TextMessageResponse(
                question.SessionId, turn.TurnId, turn.Agent, turn.Route, turn.ResponseText, audioUrl,
                new ResponseTimings(SttMs: 0, timings.AgentMs, timings.TtsMs, total), turn.Error),
            null);
    }

    private static ProblemDetails TimedOut(TimeoutException ex) => new()
    {
        Status = StatusCodes.Status504GatewayTimeout,
        Title = "The answer took too long",
        Detail = ex.Message,
    };
}
