namespace AudioOrchestrator.Contracts;

/// <summary>An item on a session's <see cref="StreamNames.AudioOut"/> output (published to its <see cref="ISessionOutputRelayGrain"/>).</summary>
[GenerateSerializer, Immutable]
public abstract record SessionOutputEvent
{
    /// <summary>The request the event answers (a REST upload); null for live audio.</summary>
    [Id(0)]
    public string? CorrelationId { get; init; }
}

/// <summary>A turn was routed to an agent; its text (<see cref="AnswerDelta"/>) and audio (<see cref="AnswerAudio"/>) follow as they are produced.</summary>
[GenerateSerializer, Immutable]
public sealed record AnswerStarted(
    [property: Id(0)] string TurnId,
    [property: Id(1)] string SpeakerId,
    [property: Id(2)] string Transcript,
    [property: Id(3)] string Agent,
    [property: Id(4)] TurnRoute Route) : SessionOutputEvent;

/// <summary>The next piece of the answer's text, as the agent produced it (markdown and all).</summary>
[GenerateSerializer, Immutable]
public sealed record AnswerDelta(
    [property: Id(0)] string TurnId,
    [property: Id(1)] string Text) : SessionOutputEvent;

/// <summary>20 ms Opus packets of the spoken answer (48 kHz stereo, ready for Discord).</summary>
/// <param name="TurnId">The turn.</param>
/// <param name="FirstSequence">The number of the first frame in the answer (frames are numbered across its sentences).</param>
/// <param name="Frames">The packets.</param>
/// <param name="EndsSentence">The last batch of a sentence: a gap after it is a pause; a gap before it means frames are late.</param>
/// <remarks>
/// A frame number may come twice: a sentence whose synthesis call was lost with its silo is spoken again from its
/// first frame. Listeners keep the first of each number (<see cref="From"/>).
/// </remarks>
[GenerateSerializer, Immutable]
public sealed record AnswerAudio(
    [property: Id(0)] string TurnId,
    [property: Id(1)] long FirstSequence,
    [property: Id(2)] byte[][] Frames,
    [property: Id(3)] bool EndsSentence = false) : SessionOutputEvent
{
    /// <summary>The frame number after this batch's last.</summary>
    public long NextSequence => FirstSequence + Frames.Length;

    /// <summary>This batch's frames numbered <paramref name="sequence"/> or later: itself, its tail, or null when it has none.</summary>
    public AnswerAudio? From(long sequence) =>
        sequence <= FirstSequence ? this
        : sequence >= NextSequence ? null
        : this with { FirstSequence = sequence, Frames = Frames[(int)(sequence - FirstSequence)..] };
}

/// <summary>
/// The answer has been fully published (its audio is on the stream before this event).
/// </summary>
/// <param name="TurnId">The turn.</param>
/// <param name="Timings">Per-stage timings.</param>
/// <param name="ResponseText">The whole answer text (when the agent failed: what it said, then the apology that was spoken).</param>
/// <param name="Error">Why the agent failed (the answer is then an apology); null when it answered.</param>
[GenerateSerializer, Immutable]
public sealed record AnswerCompleted(
    [property: Id(0)] string TurnId,
    [property: Id(1)] TurnTimings Timings,
    [property: Id(2)] string ResponseText,
    [property: Id(3)] string? Error = null) : SessionOutputEvent;

/// <summary>The turn could not be answered at all (not even an apology could be spoken); no more of it follows.</summary>
[GenerateSerializer, Immutable]
public sealed record TurnFailed(
    [property: Id(0)] string TurnId,
    [property: Id(1)] string Reason) : SessionOutputEvent;

/// <summary>The agent asked for an action (e.g. leaving the voice channel), to be taken once the turn's audio has been played.</summary>
[GenerateSerializer, Immutable]
public sealed record AgentActionRequested(
    [property: Id(0)] string TurnId,
    [property: Id(1)] AgentAction Action) : SessionOutputEvent;

/// <summary>
/// A check of the way out, published by the session when asked (<see cref="IConversationGrain.ProbeOutputAsync"/>);
/// the ingress takes it and never hands it to listeners.
/// </summary>
/// <param name="Token">Who asked.</param>
[GenerateSerializer, Immutable]
public sealed record OutputProbe([property: Id(0)] string Token) : SessionOutputEvent;

/// <summary>A speaker's input was fully processed; <paramref name="TurnCount"/> turns were started for it.</summary>
/// <param name="SpeakerId">Whose input.</param>
/// <param name="TurnCount">Turns started for it.</param>
/// <param name="Cut">The input was not heard to its end (<see cref="InputCompletion.Cut"/>): it has to be sent again.</param>
[GenerateSerializer, Immutable]
public sealed record InputCompleted(
    [property: Id(0)] string SpeakerId,
    [property: Id(1)] int TurnCount,
    [property: Id(2)] bool Cut = false) : SessionOutputEvent;

/// <summary>Per-stage timings of one turn, in milliseconds, and when its speech was heard.</summary>
/// <param name="SttMs">Speech-to-text time.</param>
/// <param name="AgentMs">Agent time: asked to its last update (the whole streamed answer).</param>
/// <param name="TtsMs">Synthesis time of all sentences (0 until the answer has been spoken).</param>
/// <param name="EndOfUtteranceToFirstAudioMs">End-of-utterance decision to the first published answer frame (0 until spoken).</param>
/// <param name="AudioMs">Length of the recognised audio.</param>
/// <param name="EndOfUtteranceDelayMs">End of speech (as heard) to the end-of-utterance decision.</param>
/// <param name="WakeDetectMs">Start of speech (as heard) to the detection of the wake phrase; null when none was heard.</param>
/// <param name="SpeechStartedAt">Start of speech as heard.</param>
/// <param name="SpeechEndedAt">End of speech as heard.</param>
/// <param name="EndOfUtteranceAt">When the end of the utterance was decided.</param>
/// <param name="WakeDetectedAt">When the wake phrase was detected; null when none was heard.</param>
/// <param name="AgentFirstTextMs">Agent asked to its first text (a language model's time to first token, plus routing); null when it produced none.</param>
/// <param name="TtsFirstAudioMs">The first sentence's synthesis: asked to its first published frame; null when nothing was spoken.</param>
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
    [property: Id(10)] DateTimeOffset? WakeDetectedAt = null,
    [property: Id(11)] double? AgentFirstTextMs = null,
    [property: Id(12)] double? TtsFirstAudioMs = null);

/// <summary>Why a turn went to its agent.</summary>
/// <param name="Reason"><see cref="Phrase"/>, <see cref="Classifier"/> or <see cref="Fallback"/>.</param>
/// <param name="Detail">The phrase matched, the classifier and intent class, or why the fallback answered.</param>
[GenerateSerializer, Immutable]
public sealed record TurnRoute(
    [property: Id(0)] string Reason,
    [property: Id(1)] string? Detail = null)
{
    /// <summary>A phrase of the agent matched the utterance.</summary>
    public const string Phrase = "phrase";

    /// <summary>The intent classifier (a language model, or keywords without one) chose the agent.</summary>
    public const string Classifier = "classifier";

    /// <summary>Nothing else applied: the fallback agent answered.</summary>
    public const string Fallback = "fallback";
}

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

/// <summary>
/// A live speaker's voice activity detector heard the start of speech and nothing of the assistant was playing (when
/// something plays, <see cref="PlaybackPaused"/> says it instead). For observers (the session events API); players ignore it.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record SpeechStarted(
    [property: Id(0)] string SpeakerId,
    [property: Id(1)] DateTimeOffset SpeechStartedAt) : SessionOutputEvent;

/// <summary>
/// The session committed <paramref name="Turn"/> to its history (after <see cref="AnswerCompleted"/>), as it was recorded
/// (redacted when the history is) and as the archive receives it. For observers; players ignore it.
/// </summary>
/// <param name="GuildId">The session's Discord guild; null for REST sessions.</param>
/// <param name="Turn">The recorded turn.</param>
[GenerateSerializer, Immutable]
public sealed record TurnRecorded(
    [property: Id(0)] string? GuildId,
    [property: Id(1)] ConversationTurn Turn) : SessionOutputEvent;
