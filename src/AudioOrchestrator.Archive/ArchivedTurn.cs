using System.Text.Json.Serialization;
using AudioOrchestrator.Contracts;

namespace AudioOrchestrator.Archive;

/// <summary>One committed turn as the archive keeps it (a failed turn too, with its reason in <see cref="Error"/>).</summary>
/// <param name="SessionId">The session.</param>
/// <param name="GuildId">The Discord guild of the session; null for REST sessions.</param>
/// <param name="TurnId">The turn (the utterance's id); unique within the session.</param>
/// <param name="SpeakerId">Who spoke.</param>
/// <param name="Transcript">Everything heard, wake phrase included.</param>
/// <param name="Agent">The agent that answered.</param>
/// <param name="Route">Why the agent was chosen; null when unknown.</param>
/// <param name="ResponseText">The answer; for an interrupted answer only what was heard.</param>
/// <param name="Interrupted">The answer was talked over and cut short.</param>
/// <param name="Error">Why the turn failed; null when it was answered.</param>
/// <param name="Timings">Per-stage timings.</param>
/// <param name="ToolCalls">Tools called while answering.</param>
/// <param name="AnswerAudioRef">
/// The key of the spoken answer in the answer-audio store (<see cref="AnswerAudio.AnswerAudioKey.Ref"/>) for a turn that was
/// answered aloud; null when nothing was spoken. The audio itself is kept only for uploads and text turns asked to speak,
/// and only for <c>Archive:AnswerAudio:Retention</c>: <see cref="ResponseAudioUrl"/> says whether it is there now.
/// </param>
/// <param name="CommittedAt">When the turn was committed (the archive keeps microseconds, in UTC).</param>
/// <param name="SpeechStartedAt">Start of speech as heard; null for text turns without one.</param>
/// <param name="Source">How the words came: <c>voice</c> or <c>text</c>.</param>
/// <param name="AnsweredAhead">Answered preemptively and kept.</param>
public sealed record ArchivedTurn(
    string SessionId,
    string? GuildId,
    string TurnId,
    string SpeakerId,
    string Transcript,
    string Agent,
    TurnRoute? Route,
    string ResponseText,
    bool Interrupted,
    string? Error,
    TurnTimings? Timings,
    IReadOnlyList<ToolCallRecord>? ToolCalls,
    string? AnswerAudioRef,
    DateTimeOffset CommittedAt,
    DateTimeOffset? SpeechStartedAt = null,
    string Source = TurnSources.Voice,
    bool AnsweredAhead = false)
{
    /// <summary>
    /// Where to download the spoken answer while it is kept (absolute, on the host the request came to); filled in by the
    /// turns API, never stored.
    /// </summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? ResponseAudioUrl { get; init; }

    /// <summary>
    /// The archive's copy of a turn the session committed, as the archive keeps it: times to the microsecond, and a spoken
    /// answer referenced where its audio is kept (<see cref="AnswerAudio.AnswerAudioKey.Ref"/>; the audio itself may not be).
    /// </summary>
    public static ArchivedTurn FromConversationTurn(string sessionId, string? guildId, ConversationTurn turn)
    {
        ArgumentNullException.ThrowIfNull(turn);
        var spoken = turn.Timings is { TtsMs: > 0 } && Identifiers.IsValid(sessionId) && Identifiers.IsValid(turn.TurnId);
        return new ArchivedTurn(
            sessionId, guildId, turn.TurnId, turn.SpeakerId, turn.Transcript, turn.Agent, turn.Route, turn.ResponseText,
            turn.Interrupted, turn.Error, turn.Timings, turn.ToolCalls, spoken ? AnswerAudio.AnswerAudioKey.Ref(sessionId, turn.TurnId) : null,
            ArchiveTime.Normalize(turn.AnsweredAt), ArchiveTime.Normalize(turn.SpeechStartedAt), turn.Source, turn.AnsweredAhead);
    }

    /// <summary>The turn as the session's history holds it.</summary>
    public ConversationTurn ToConversationTurn() => new(
        TurnId, SpeakerId, Transcript, Agent, ResponseText, SpeechStartedAt ?? CommittedAt, CommittedAt, Interrupted, Timings,
        Route, Error, ToolCalls, Source, AnsweredAhead);
}

/// <summary>A session as the archive lists it.</summary>
/// <param name="SessionId">The session.</param>
/// <param name="GuildId">Its guild (from its first archived turn that names one); null for REST sessions.</param>
/// <param name="TurnCount">Archived turns of the session.</param>
/// <param name="FirstActivityAt">Commit time of its oldest archived turn.</param>
/// <param name="LastActivityAt">Commit time of its newest archived turn.</param>
public sealed record SessionSummary(
    string SessionId,
    string? GuildId,
    long TurnCount,
    DateTimeOffset FirstActivityAt,
    DateTimeOffset LastActivityAt);

/// <summary>One page of results and the cursor of the next one (null on the last page).</summary>
public sealed record ArchivePage<T>(IReadOnlyList<T> Items, string? NextCursor);

/// <summary>
/// Which sessions to list, newest activity first. The turn filters (<see cref="SpeakerId"/>, <see cref="Agent"/>,
/// <see cref="Since"/>, <see cref="Until"/>, <see cref="Q"/>) select the sessions with at least one turn matching all of
/// them; the summaries always describe the whole session.
/// </summary>
/// <param name="GuildId">Only sessions of this guild.</param>
/// <param name="SpeakerId">Only sessions in which this speaker spoke.</param>
/// <param name="Agent">Only sessions in which this agent answered.</param>
/// <param name="Since">Only sessions with a turn committed at or after this time.</param>
/// <param name="Until">Only sessions with a turn committed before this time.</param>
/// <param name="Q">Words that a turn's transcript or answer must contain (all of them; any punctuation or operator is just text).</param>
/// <param name="Limit">Page size: null for <see cref="ArchiveLimits.DefaultLimit"/>, capped at <see cref="ArchiveLimits.MaxLimit"/>.</param>
/// <param name="Cursor">The previous page's <see cref="ArchivePage{T}.NextCursor"/>.</param>
/// <param name="GuildIds">
/// Only sessions of one of these guilds (an API key restricted to guilds); null for no restriction, empty for none at all.
/// Combined with <paramref name="GuildId"/>: a guild outside the set gives an empty page.
/// </param>
public sealed record SessionQuery(
    string? GuildId = null,
    string? SpeakerId = null,
    string? Agent = null,
    DateTimeOffset? Since = null,
    DateTimeOffset? Until = null,
    string? Q = null,
    int? Limit = null,
    string? Cursor = null,
    IReadOnlyCollection<string>? GuildIds = null);

/// <summary>Which turns of a session to read.</summary>
/// <param name="Order">Oldest or newest first.</param>
/// <param name="Since">Only turns committed at or after this time.</param>
/// <param name="Limit">Page size: null for <see cref="ArchiveLimits.DefaultLimit"/>, capped at <see cref="ArchiveLimits.MaxLimit"/>.</param>
/// <param name="Cursor">The previous page's <see cref="ArchivePage{T}.NextCursor"/> (of the same order).</param>
/// <param name="After">
/// Only turns after this one in commit order (committed later, or at the same microsecond with a greater turn id); the
/// turn itself need not be in the archive (not yet written, or deleted by retention).
/// </param>
public sealed record TurnQuery(
    TurnOrder Order = TurnOrder.OldestFirst,
    DateTimeOffset? Since = null,
    int? Limit = null,
    string? Cursor = null,
    TurnPosition? After = null);

/// <summary>
/// Where a turn stands in its session's commit order: its commit time (kept to the microsecond, as the archive keeps it)
/// and, for turns committed in the same microsecond, its id.
/// </summary>
public sealed record TurnPosition
{
    public TurnPosition(DateTimeOffset committedAt, string turnId)
    {
        ArgumentException.ThrowIfNullOrEmpty(turnId);
        CommittedAt = ArchiveTime.Normalize(committedAt);
        TurnId = turnId;
    }

    /// <summary>The commit time, in UTC, truncated to microseconds.</summary>
    public DateTimeOffset CommittedAt { get; }

    /// <summary>The turn.</summary>
    public string TurnId { get; }

    /// <summary>Microseconds since the Unix epoch of <see cref="CommittedAt"/>.</summary>
    public long CommittedAtMicros => ArchiveTime.ToMicros(CommittedAt);

    /// <summary>The position at <paramref name="micros"/> microseconds since the Unix epoch.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The time is out of range.</exception>
    public static TurnPosition FromMicros(long micros, string turnId)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(micros, ArchiveTime.MinMicros);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(micros, ArchiveTime.MaxMicros);
        return new TurnPosition(ArchiveTime.FromMicros(micros), turnId);
    }

    /// <summary>The position of an archived turn.</summary>
    public static TurnPosition Of(ArchivedTurn turn)
    {
        ArgumentNullException.ThrowIfNull(turn);
        return new TurnPosition(turn.CommittedAt, turn.TurnId);
    }

    /// <summary>Whether this position comes after <paramref name="other"/> in commit order.</summary>
    public bool IsAfter(TurnPosition other)
    {
        ArgumentNullException.ThrowIfNull(other);
        var byTime = CommittedAtMicros.CompareTo(other.CommittedAtMicros);
        return byTime > 0 || (byTime == 0 && string.CompareOrdinal(TurnId, other.TurnId) > 0);
    }
}

/// <summary>The order of a session's turns.</summary>
public enum TurnOrder
{
    OldestFirst,
    NewestFirst,
}
