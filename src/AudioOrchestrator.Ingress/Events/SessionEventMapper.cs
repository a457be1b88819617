using System.Text.Json;
using AudioOrchestrator.Archive;
using AudioOrchestrator.Contracts;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.Options;

namespace AudioOrchestrator.Ingress.Events;

/// <summary>
/// The one JSON shape of each session event (docs/session-events.md), shared by every live endpoint: maps the session's
/// output events to <see cref="SessionEventMessage"/>s. Answer audio is not an event here.
/// </summary>
public sealed class SessionEventMapper(IOptions<JsonOptions> json)
{
    public const string SpeechStartedEvent = "speechStarted";
    public const string AnswerStartedEvent = "answerStarted";
    public const string AnswerDeltaEvent = "answerDelta";
    public const string AnswerCompletedEvent = "answerCompleted";
    public const string TurnFailedEvent = "turnFailed";
    public const string PlaybackPausedEvent = "playbackPaused";
    public const string PlaybackResumedEvent = "playbackResumed";
    public const string AnswerInterruptedEvent = "answerInterrupted";
    public const string InputCompletedEvent = "inputCompleted";
    public const string TurnEvent = "turn";
    public const string ErrorEvent = "error";

    private JsonSerializerOptions Json => json.Value.SerializerOptions;

    /// <summary>The events to send for <paramref name="item"/> of session <paramref name="sessionId"/> (none for answer audio and agent actions).</summary>
    public IReadOnlyList<SessionEventMessage> Map(string sessionId, SessionOutputEvent item) => item switch
    {
        SpeechStarted e => [Message(SpeechStartedEvent, new SpeechStartedData(e.SpeakerId, e.SpeechStartedAt, e.CorrelationId))],

        // A pause is a speech onset too: observers see every onset as speechStarted.
        PlaybackPaused e => [Message(SpeechStartedEvent, new SpeechStartedData(e.SpeakerId, e.SpeechStartedAt, e.CorrelationId)), Message(PlaybackPausedEvent, new SpeakerData(e.SpeakerId))],
        PlaybackResumed e => [Message(PlaybackResumedEvent, new SpeakerData(e.SpeakerId))],
        AnswerStarted e => [Message(AnswerStartedEvent, new AnswerStartedData(e.TurnId, e.SpeakerId, e.Transcript, e.Agent, e.Route, e.CorrelationId))],
        AnswerDelta e => [Message(AnswerDeltaEvent, new AnswerDeltaData(e.TurnId, e.Text))],
        AnswerCompleted e => [Message(AnswerCompletedEvent, new AnswerCompletedData(e.TurnId, e.ResponseText, e.Error, e.Timings, e.CorrelationId))],
        TurnFailed e => [Message(TurnFailedEvent, new TurnFailedData(e.TurnId, e.Reason, e.CorrelationId))],
        AnswerInterrupted e => [Message(AnswerInterruptedEvent, new AnswerInterruptedData(e.TurnId, e.SpeakerId))],
        InputCompleted e => [Message(InputCompletedEvent, new InputCompletedData(e.SpeakerId, e.TurnCount, e.CorrelationId))],
        TurnRecorded e => [Turn(ArchivedTurn.FromConversationTurn(sessionId, e.GuildId, e.Turn))],
        _ => [],
    };

    /// <summary>A committed turn: the JSON of a <c>GET /api/v1/sessions/{id}/turns</c> item, with its resume id.</summary>
    public SessionEventMessage Turn(ArchivedTurn turn)
    {
        ArgumentNullException.ThrowIfNull(turn);
        return new SessionEventMessage(TurnEvent, JsonSerializer.Serialize(turn, Json), TurnEventId.Format(TurnPosition.Of(turn)));
    }

    /// <summary>The last event of a stream the service ends.</summary>
    public SessionEventMessage Error(string code, string message) => Message(ErrorEvent, new ErrorData(code, message));

    private SessionEventMessage Message<T>(string name, T data) => new(name, JsonSerializer.Serialize(data, Json));

    /// <summary><c>speechStarted</c>: a speaker's voice activity detector heard speech begin (as heard, for an upload).</summary>
    public sealed record SpeechStartedData(string SpeakerId, DateTimeOffset At, string? CorrelationId);

    /// <summary><c>playbackPaused</c>, <c>playbackResumed</c>.</summary>
    public sealed record SpeakerData(string SpeakerId);

    /// <summary><c>answerStarted</c>: what was heard and which agent answers it, and why.</summary>
    public sealed record AnswerStartedData(string TurnId, string SpeakerId, string Transcript, string Agent, TurnRoute Route, string? CorrelationId);

    /// <summary><c>answerDelta</c>: the next piece of the answer's text.</summary>
    public sealed record AnswerDeltaData(string TurnId, string Text);

    /// <summary><c>answerCompleted</c>: the whole answer and the turn's per-stage timings.</summary>
    public sealed record AnswerCompletedData(string TurnId, string ResponseText, string? Error, TurnTimings Timings, string? CorrelationId);

    /// <summary><c>turnFailed</c>: the turn could not be answered at all.</summary>
    public sealed record TurnFailedData(string TurnId, string Reason, string? CorrelationId);

    /// <summary><c>answerInterrupted</c>: the answer was talked over.</summary>
    public sealed record AnswerInterruptedData(string TurnId, string SpeakerId);

    /// <summary><c>inputCompleted</c>: a speaker's input (an upload) was fully processed.</summary>
    public sealed record InputCompletedData(string SpeakerId, int TurnCount, string? CorrelationId);

    /// <summary><c>error</c>: why the service ended the stream.</summary>
    public sealed record ErrorData(string Code, string Message);
}
