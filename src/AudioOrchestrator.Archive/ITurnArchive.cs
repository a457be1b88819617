namespace AudioOrchestrator.Archive;

/// <summary>
/// Every committed turn, append-only and queryable. Implemented by <see cref="PostgresTurnArchive"/> (production) and
/// <see cref="SqliteTurnArchive"/> (the embedded default) with the same semantics.
/// </summary>
public interface ITurnArchive
{
    /// <summary>Creates or migrates the store's schema (idempotent; the other methods call it on first use).</summary>
    Task InitializeAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Appends a turn. Idempotent on (<see cref="ArchivedTurn.SessionId"/>, <see cref="ArchivedTurn.TurnId"/>): a retried
    /// append stores nothing and returns false.
    /// </summary>
    Task<bool> AppendAsync(ArchivedTurn turn, CancellationToken cancellationToken);

    /// <summary>
    /// Appends turns in one transaction (one commit for all: what a busy writer does with the turns waiting for it), in
    /// order. Idempotent per turn as <see cref="AppendAsync"/>; returns how many were stored. One invalid turn fails the
    /// whole call and stores none of them.
    /// </summary>
    Task<int> AppendAllAsync(IReadOnlyList<ArchivedTurn> turns, CancellationToken cancellationToken);

    /// <summary>
    /// Sessions, newest activity first (ties by session id, descending). A session that gets a new turn while a client
    /// pages moves ahead of the cursor: it is not repeated, and shows in the next listing from the start.
    /// </summary>
    /// <exception cref="InvalidArchiveCursorException">The cursor is not one this archive issued for this kind of query.</exception>
    /// <exception cref="ArgumentOutOfRangeException">The limit is below 1.</exception>
    Task<ArchivePage<SessionSummary>> ListSessionsAsync(SessionQuery query, CancellationToken cancellationToken);

    /// <summary>
    /// A session's turns by commit time (ties by turn id). Keyset paging: turns appended while paging never make a page
    /// skip or repeat a turn.
    /// </summary>
    /// <exception cref="InvalidArchiveCursorException">The cursor is not one this archive issued for this order.</exception>
    /// <exception cref="ArgumentOutOfRangeException">The limit is below 1.</exception>
    Task<ArchivePage<ArchivedTurn>> GetTurnsAsync(string sessionId, TurnQuery query, CancellationToken cancellationToken);

    /// <summary>
    /// Amends an archived answer that was interrupted after it was recorded: marks it interrupted and keeps only
    /// <paramref name="heardText"/> (what was heard) as its answer, searchable as such. Idempotent; returns false when
    /// the turn is not archived (never appended, deleted, or expired).
    /// </summary>
    Task<bool> MarkInterruptedAsync(string sessionId, string turnId, string heardText, CancellationToken cancellationToken);

    /// <summary>The archived session (turn count, first and last activity), or null when nothing of it is archived.</summary>
    Task<SessionSummary?> GetSessionAsync(string sessionId, CancellationToken cancellationToken);

    /// <summary>Deletes every archived turn of the session; returns how many.</summary>
    Task<int> DeleteSessionAsync(string sessionId, CancellationToken cancellationToken);

    /// <summary>Retention: deletes the turns committed before <paramref name="cutoff"/>; returns how many.</summary>
    Task<int> DeleteOlderThanAsync(DateTimeOffset cutoff, CancellationToken cancellationToken);
}
