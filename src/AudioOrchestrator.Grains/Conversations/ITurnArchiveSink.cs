using AudioOrchestrator.Contracts;

namespace AudioOrchestrator.Grains.Conversations;

/// <summary>
/// Where a session hands each committed turn for the archive (every turn, beyond the recent window the session keeps),
/// and the changes to them. Off the turn's critical path: <see cref="Committed"/> and <see cref="Interrupted"/> only
/// queue; everything a session hands over is applied in the order it was handed over.
/// </summary>
public interface ITurnArchiveSink
{
    /// <summary>Queues a committed turn of <paramref name="sessionId"/> (guild <paramref name="guildId"/>, if any).</summary>
    void Committed(string sessionId, string? guildId, ConversationTurn turn);

    /// <summary>
    /// Queues the amendment of a committed turn whose answer was interrupted after it was recorded: interrupted, and
    /// only <paramref name="heardText"/> kept as its answer. Applied after the turn itself.
    /// </summary>
    void Interrupted(string sessionId, string turnId, string heardText);

    /// <summary>Deletes the session's archived turns, after any of its turns still queued.</summary>
    Task ForgetAsync(string sessionId, CancellationToken cancellationToken);
}
