using AudioOrchestrator.Contracts;

namespace AudioOrchestrator.Grains.Conversations;

/// <summary>
/// Where a session that activates with no state of its own (e.g. in-memory grain storage after a restart) reads its
/// recent turns back: the turn archive. Optional: without one, such a session starts empty.
/// </summary>
public interface ITurnHistorySource
{
    /// <summary>
    /// The newest <paramref name="maxTurns"/> archived turns of <paramref name="sessionId"/>, oldest first, including
    /// any the archive sink still holds; null when nothing of the session is archived.
    /// </summary>
    Task<ArchivedHistory?> ReadRecentAsync(string sessionId, int maxTurns, CancellationToken cancellationToken);
}

/// <summary>What the archive knows of a session: its recent turns and the whole of it in figures.</summary>
/// <param name="GuildId">The session's Discord guild; null for REST sessions.</param>
/// <param name="TurnCount">Every archived turn of the session (not only <paramref name="Turns"/>).</param>
/// <param name="FirstActivityAt">When its oldest archived turn was committed.</param>
/// <param name="LastActivityAt">When its newest archived turn was committed.</param>
/// <param name="Turns">The newest turns, oldest first.</param>
public sealed record ArchivedHistory(
    string? GuildId,
    long TurnCount,
    DateTimeOffset FirstActivityAt,
    DateTimeOffset LastActivityAt,
    IReadOnlyList<ConversationTurn> Turns);
