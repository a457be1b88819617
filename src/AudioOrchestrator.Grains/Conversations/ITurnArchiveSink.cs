using AudioOrchestrator.Contracts;

namespace AudioOrchestrator.Grains.Conversations;

/// <summary>
/// Where a session hands each committed turn for the archive (every turn, beyond the bounded history the session
/// keeps). Off the turn's critical path: <see cref="Committed"/> only queues the turn.
/// </summary>
public interface ITurnArchiveSink
{
    /// <summary>Queues a committed turn of <paramref name="sessionId"/> (guild <paramref name="guildId"/>, if any).</summary>
    void Committed(string sessionId, string? guildId, ConversationTurn turn);

    /// <summary>Deletes the session's archived turns, after any of its turns still queued.</summary>
    Task ForgetAsync(string sessionId, CancellationToken cancellationToken);
}
