using Orleans.Concurrency;

namespace AudioOrchestrator.Contracts;

/// <summary>One session: its context and history, persisted. Key: the session id.</summary>
public interface IConversationGrain : IGrainWithStringKey
{
    /// <summary>
    /// Queues the utterance and returns at once; the session then answers its queue in arrival order: routes each
    /// utterance to an agent, records the turn and speaks the answer on the session's audio-out stream.
    /// </summary>
    Task SubmitUtteranceAsync(Utterance utterance);

    /// <summary>
    /// Asks and follows the answer: queues <paramref name="utterance"/> as <see cref="SubmitUtteranceAsync"/> does and
    /// yields its turn's events (<see cref="AnswerStarted"/>, <see cref="AnswerDelta"/>..., <see cref="AgentActionRequested"/>,
    /// then <see cref="AnswerCompleted"/> or <see cref="TurnFailed"/>) straight from the session as they are published,
    /// without the audio-out stream's delivery delay. They go on audio-out as well; answer audio only goes there. The
    /// enumeration ends early, with no completion, when the session is forgotten meanwhile.
    /// </summary>
    /// <param name="utterance">The question; its <see cref="Utterance.CorrelationId"/> is required and names the answer's events.</param>
    /// <param name="cancellationToken">Stops following the answer (the turn itself goes on).</param>
    IAsyncEnumerable<SessionOutputEvent> AskAsync(Utterance utterance, CancellationToken cancellationToken = default);

    /// <summary>
    /// Preemptive answering: starts answering <paramref name="utterance"/> before the end of the live utterance is
    /// certain (a short silence was heard). Nothing of the answer is published or spoken, and no tool with side effects
    /// runs, until <see cref="SubmitUtteranceAsync"/> brings the same utterance id (the speaker really stopped);
    /// <see cref="DiscardPreparedAsync"/> throws the work away (the speaker went on).
    /// </summary>
    Task PrepareUtteranceAsync(Utterance utterance);

    /// <summary>Throws a prepared answer away: its model request is aborted, its tools with side effects never run.</summary>
    Task DiscardPreparedAsync(string utteranceId);

    /// <summary>Announces on audio-out that a speaker's input was fully processed.</summary>
    [OneWay]
    Task CompleteInputAsync(InputCompletion completion);

    /// <summary>
    /// Barge-in: a live speaker of the session started speaking. When the session's assistant is playing an answer,
    /// <see cref="PlaybackPaused"/> is published at once and true returned; the speaker must then settle the pause with
    /// <see cref="SettleBargeInAsync"/>. False when nothing is playing (then, and when another speaker already holds
    /// the pause, <see cref="SpeechStarted"/> is published for observers).
    /// </summary>
    Task<bool> SpeechStartedAsync(SpeechOnset onset);

    /// <summary>
    /// Settles a pause that <see cref="SpeechStartedAsync"/> started: a backchannel resumes playback
    /// (<see cref="PlaybackResumed"/> once no speaker holds a pause), real speech interrupts the answer
    /// (<see cref="AnswerInterrupted"/>, the turn recorded as interrupted, its synthesis cancelled).
    /// </summary>
    Task SettleBargeInAsync(BargeInDecision decision);

    /// <summary>
    /// The ingress that serves the session says what it is (transport, guild), before its audio flows. A session no
    /// transport opened is a REST session; a REST profile never replaces another one (REST calls into a Discord
    /// guild's session keep it a Discord session).
    /// </summary>
    Task OpenAsync(SessionProfile profile);

    /// <summary>What the session is (<see cref="SessionProfile.Rest"/> until a transport opened it).</summary>
    [AlwaysInterleave]
    Task<SessionProfile> GetProfileAsync();

    /// <summary>The session (context and recent window of turns), or null when it has recorded nothing.</summary>
    Task<SessionSnapshot?> GetSnapshotAsync();

    /// <summary>
    /// Whether this activation received an utterance of an upload (by <paramref name="correlationId"/>): queued,
    /// answering or answered (the last few hundred are remembered). False from an activation that never had it: the
    /// turns died with the activation that had them (its silo crashed), or the session was forgotten meanwhile.
    /// </summary>
    [AlwaysInterleave]
    Task<bool> HasInputAsync(string correlationId);

    /// <summary>
    /// Publishes an <see cref="OutputProbe"/> with <paramref name="token"/> on the session's output, as it publishes its
    /// answers: an ingress that does not receive it is subscribed to a relay activation the session does not publish to.
    /// </summary>
    [AlwaysInterleave]
    Task ProbeOutputAsync(string token);

    /// <summary>Forgets the session's context and history.</summary>
    Task DeleteAsync();
}

/// <summary>A live speaker's voice activity detector reported speech.</summary>
[GenerateSerializer, Immutable]
public sealed record SpeechOnset(
    [property: Id(0)] SpeakerRef Speaker,
    [property: Id(1)] DateTimeOffset SpeechStartedAt);

/// <summary>How the speech that paused playback turned out: <paramref name="Interrupt"/> = real speech, false = backchannel or noise.</summary>
[GenerateSerializer, Immutable]
public sealed record BargeInDecision(
    [property: Id(0)] SpeakerRef Speaker,
    [property: Id(1)] bool Interrupt);

/// <summary>Decodes and segments one speaker's audio and turns it into utterances. Key: <see cref="SpeakerRef.StreamKey"/>.</summary>
public interface ISpeakerGrain : IGrainWithStringKey
{
    Task<SpeakerStatus> GetStatusAsync();

    /// <summary>
    /// Whether this activation received audio of an upload (by <paramref name="correlationId"/>; the last few hundred
    /// are remembered). False from an activation that never did: the one that heard it died with its silo.
    /// </summary>
    [Orleans.Concurrency.AlwaysInterleave]
    Task<bool> HasHeardAsync(string correlationId);
}

/// <summary>
/// Synthesises answers and publishes them as Opus on a session's audio-out stream. Key: the session id (one activation
/// per session, so <see cref="StopAsync"/> reaches the activation that is speaking; measured, with a stateless worker
/// a cancelled <see cref="CancellationToken"/> passed to the call did not reach it).
/// </summary>
public interface ISpeechSynthesisGrain : IGrainWithStringKey
{
    /// <summary>Speaks <paramref name="request"/>; <see cref="StopAsync"/> ends it early.</summary>
    Task<SynthesisResult> SpeakAsync(SpeechRequest request);

    /// <summary>
    /// Barge-in: stops synthesising and publishing the answer to <paramref name="turnId"/>; interleaves with the
    /// running <see cref="SpeakAsync"/>, which then fails with <see cref="OperationCanceledException"/>.
    /// </summary>
    [AlwaysInterleave]
    Task StopAsync(string turnId);
}

/// <summary>One sentence of an answer to speak.</summary>
/// <param name="SessionId">The session whose audio-out carries it.</param>
/// <param name="TurnId">The turn it belongs to.</param>
/// <param name="Text">Speakable text (markdown already removed).</param>
/// <param name="CorrelationId">The request the turn answers; null for live audio.</param>
/// <param name="FirstSequence">The sequence number of its first frame (the frames of the turn's earlier sentences come first).</param>
/// <param name="GuildId">
/// The session's guild (its voice and engine in <c>Speech:Guilds</c>); null for sessions without one. Carried here so
/// the synthesis grain never calls back into the conversation, which may be waiting on it.
/// </param>
[GenerateSerializer, Immutable]
public sealed record SpeechRequest(
    [property: Id(0)] string SessionId,
    [property: Id(1)] string TurnId,
    [property: Id(2)] string Text,
    [property: Id(3)] string? CorrelationId,
    [property: Id(4)] long FirstSequence = 0,
    [property: Id(5)] string? GuildId = null);

/// <summary>Milliseconds to the first published frame and to the end of synthesis.</summary>
[GenerateSerializer, Immutable]
public sealed record SynthesisResult(
    [property: Id(0)] double FirstAudioMs,
    [property: Id(1)] double TotalMs,
    [property: Id(2)] int FrameCount);

[GenerateSerializer, Immutable]
public sealed record SpeakerStatus(
    [property: Id(0)] SpeakerRef Speaker,
    [property: Id(1)] long FramesReceived,
    [property: Id(2)] long CorruptFrames,
    [property: Id(3)] int Utterances,
    [property: Id(4)] bool InSpeech);

/// <summary>
/// A session as the REST API shows it: its context and its recent window of turns (<paramref name="History"/>, oldest
/// first, at most <c>Conversation:MaxHistoryTurns</c>); the whole history is in the turn archive
/// (<c>GET /api/v1/sessions/{id}/turns</c>), and the context's <c>turnCount</c> counts every turn.
/// </summary>
/// <param name="SessionId">The session.</param>
/// <param name="CreatedAt">When its first turn was recorded.</param>
/// <param name="UpdatedAt">When it last changed.</param>
/// <param name="Context">Its context: facts, running summary, last agent and speaker, turn count.</param>
/// <param name="History">The recent window of turns, oldest first.</param>
[GenerateSerializer, Immutable]
public sealed record SessionSnapshot(
    [property: Id(0)] string SessionId,
    [property: Id(1)] DateTimeOffset CreatedAt,
    [property: Id(2)] DateTimeOffset UpdatedAt,
    [property: Id(3)] IReadOnlyDictionary<string, string> Context,
    [property: Id(4)] IReadOnlyList<ConversationTurn> History);

/// <summary>One answered utterance.</summary>
/// <param name="TurnId">The turn (the utterance's id).</param>
/// <param name="SpeakerId">Who spoke.</param>
/// <param name="Transcript">Everything heard, wake phrase included.</param>
/// <param name="Agent">The agent that answered.</param>
/// <param name="ResponseText">The answer; for an interrupted answer only what was spoken before the interruption.</param>
/// <param name="SpeechStartedAt">Start of speech as heard.</param>
/// <param name="AnsweredAt">When the turn was recorded.</param>
/// <param name="Interrupted">The answer was talked over and cut short.</param>
/// <param name="Timings">Per-stage timings.</param>
/// <param name="Route">Why the agent was chosen.</param>
/// <param name="Error">Why the agent failed (the answer is then an apology); null when it answered.</param>
/// <param name="ToolCalls">Tools the agent called while answering (name, arguments, result size, duration, error).</param>
/// <param name="Source">How the words came: <c>voice</c> or <c>text</c>.</param>
/// <param name="AnsweredAhead">Answered ahead of the end of the utterance (preemptively, during a short silence) and kept.</param>
[GenerateSerializer, Immutable]
public sealed record ConversationTurn(
    [property: Id(0)] string TurnId,
    [property: Id(1)] string SpeakerId,
    [property: Id(2)] string Transcript,
    [property: Id(3)] string Agent,
    [property: Id(4)] string ResponseText,
    [property: Id(5)] DateTimeOffset SpeechStartedAt,
    [property: Id(6)] DateTimeOffset AnsweredAt,
    [property: Id(7)] bool Interrupted = false,
    [property: Id(8)] TurnTimings? Timings = null,
    [property: Id(9)] TurnRoute? Route = null,
    [property: Id(10)] string? Error = null,
    [property: Id(11)] IReadOnlyList<ToolCallRecord>? ToolCalls = null,
    [property: Id(12)] string Source = TurnSources.Voice,
    [property: Id(13)] bool AnsweredAhead = false);

/// <summary>
/// Whether a turn answered ahead of time (preemptively, before the end of the utterance was certain) was kept or
/// discarded. Key: the turn id. A tool with side effects called by such an answer waits here, so it never runs for an
/// answer that is thrown away.
/// </summary>
public interface ITurnCommitGrain : IGrainWithStringKey
{
    /// <summary>True once the turn is committed, false once it is discarded; waits until one of them happens.</summary>
    [AlwaysInterleave]
    Task<bool> WaitAsync();

    /// <summary>Decides the turn: <paramref name="committed"/> true keeps it, false discards it. The first decision stands.</summary>
    [AlwaysInterleave]
    Task DecideAsync(bool committed);
}
