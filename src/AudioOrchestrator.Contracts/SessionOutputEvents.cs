namespace AudioOrchestrator.Contracts;

/// <summary>An item on a session's <see cref="StreamNames.AudioOut"/> stream.</summary>
[GenerateSerializer, Immutable]
public abstract record SessionOutputEvent
{
    /// <summary>The request the event answers (a REST upload); null for live audio.</summary>
    [Id(0)]
    public string? CorrelationId { get; init; }
}

/// <summary>A turn was routed and answered in text; audio follows.</summary>
[GenerateSerializer, Immutable]
public sealed record AnswerStarted(
    [property: Id(0)] string TurnId,
    [property: Id(1)] string SpeakerId,
    [property: Id(2)] string Transcript,
    [property: Id(3)] string Agent,
    [property: Id(4)] string ResponseText) : SessionOutputEvent;

/// <summary>20 ms Opus packets of the spoken answer (48 kHz stereo, ready for Discord).</summary>
[GenerateSerializer, Immutable]
public sealed record AnswerAudio(
    [property: Id(0)] string TurnId,
    [property: Id(1)] long FirstSequence,
    [property: Id(2)] byte[][] Frames) : SessionOutputEvent;

/// <summary>The answer has been fully published.</summary>
[GenerateSerializer, Immutable]
public sealed record AnswerCompleted(
    [property: Id(0)] string TurnId,
    [property: Id(1)] TurnTimings Timings) : SessionOutputEvent;

/// <summary>The turn could not be answered; no audio follows.</summary>
[GenerateSerializer, Immutable]
public sealed record TurnFailed(
    [property: Id(0)] string TurnId,
    [property: Id(1)] string Reason) : SessionOutputEvent;

/// <summary>A speaker's input was fully processed; <paramref name="TurnCount"/> turns were started for it.</summary>
[GenerateSerializer, Immutable]
public sealed record InputCompleted(
    [property: Id(0)] string SpeakerId,
    [property: Id(1)] int TurnCount) : SessionOutputEvent;

/// <summary>Per-stage timings of one turn, in milliseconds, and when its speech was heard.</summary>
/// <param name="SttMs">Speech-to-text time.</param>
/// <param name="AgentMs">Agent time.</param>
/// <param name="TtsMs">Synthesis time (0 until the answer has been spoken).</param>
/// <param name="EndOfUtteranceToFirstAudioMs">End-of-utterance decision to the first published answer frame (0 until spoken).</param>
/// <param name="AudioMs">Length of the recognised audio.</param>
/// <param name="EndOfUtteranceDelayMs">End of speech (as heard) to the end-of-utterance decision.</param>
/// <param name="WakeDetectMs">Start of speech (as heard) to the detection of the wake phrase; null when none was heard.</param>
/// <param name="SpeechStartedAt">Start of speech as heard.</param>
/// <param name="SpeechEndedAt">End of speech as heard.</param>
/// <param name="EndOfUtteranceAt">When the end of the utterance was decided.</param>
/// <param name="WakeDetectedAt">When the wake phrase was detected; null when none was heard.</param>
[GenerateSerializer, Immutable]
public sealed record TurnTimings(
    [property: Id(0)] double SttMs,
    [property: Id(1)] double AgentMs,
    [property: Id(2)] double TtsMs,
    [property: Id(3)] double EndOfUtteranceToFirstAudioMs,
    [property: Id(4)] double AudioMs,
    [property: Id(5)] double? EndOfUtteranceDelayMs = null,
    [property: Id(6)] double? WakeDetectMs = null,
    [property: Id(7)] DateTimeOffset? SpeechStartedAt = null,
    [property: Id(8)] DateTimeOffset? SpeechEndedAt = null,
    [property: Id(9)] DateTimeOffset? EndOfUtteranceAt = null,
    [property: Id(10)] DateTimeOffset? WakeDetectedAt = null);

/// <summary>
/// Barge-in candidate: a person started speaking in the session. A player that is playing an answer holds it at once
/// (no further frames leave) until <see cref="PlaybackResumed"/> or <see cref="AnswerInterrupted"/> follows.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record PlaybackPaused(
    [property: Id(0)] string SpeakerId,
    [property: Id(1)] DateTimeOffset SpeechStartedAt) : SessionOutputEvent;

/// <summary>The speech that paused playback was a short backchannel ("mm", "ok") or noise: players continue where they stopped.</summary>
[GenerateSerializer, Immutable]
public sealed record PlaybackResumed([property: Id(0)] string SpeakerId) : SessionOutputEvent;

/// <summary>
/// The answer to <paramref name="TurnId"/> was talked over: players drop its remaining frames for good. The session
/// records the turn as interrupted.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record AnswerInterrupted(
    [property: Id(0)] string TurnId,
    [property: Id(1)] string SpeakerId) : SessionOutputEvent;
