using AudioOrchestrator.Archive;
using AudioOrchestrator.Grains.Conversations;

namespace AudioOrchestrator.Silo.Archive;

/// <summary>
/// A session's recent turns read back from the <see cref="ITurnArchive"/> (for a session grain that activates with no
/// state). The writer runs in this process: it is flushed first, so turns committed before a restart of the grain but
/// not yet written are read too. (Flushing, not merging the queue: it is one channel hop when the queue is empty, which
/// it almost always is, and the archive stays the only place turns are read from. A turn still queued on another silo
/// of a cluster is not waited for: there the session's state normally lives in grain storage, and a rebuild is only the
/// fallback.)
/// </summary>
public sealed partial class ArchivedTurnHistory(ITurnArchive archive, TurnArchiveWriter writer, ILogger<ArchivedTurnHistory> logger) : ITurnHistorySource
{
    /// <summary>How long a rebuild waits for the writer's queue before it reads what is archived.</summary>
    public static readonly TimeSpan FlushWait = TimeSpan.FromSeconds(5);

    public async Task<ArchivedHistory?> ReadRecentAsync(string sessionId, int maxTurns, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxTurns, 1);
        using (var flushing = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
        {
            flushing.CancelAfter(FlushWait);
            try
            {
                await writer.FlushAsync(flushing.Token);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                LogFlushSlow(logger, sessionId, FlushWait); // a long queue: read what is there
            }
        }

        if (await archive.GetSessionAsync(sessionId, cancellationToken) is not { } summary)
        {
            return null;
        }

        var turns = new List<ArchivedTurn>(Math.Min(maxTurns, ArchiveLimits.MaxLimit));
        string? cursor = null;
        do
        {
            var page = await archive.GetTurnsAsync(
                sessionId, new TurnQuery(TurnOrder.NewestFirst, Limit: Math.Min(maxTurns - turns.Count, ArchiveLimits.MaxLimit), Cursor: cursor), cancellationToken);
            turns.AddRange(page.Items);
            cursor = page.NextCursor;
        }
        while (cursor is not null && turns.Count < maxTurns);

        turns.Reverse();
        return new ArchivedHistory(summary.GuildId, summary.TurnCount, summary.FirstActivityAt, summary.LastActivityAt, [.. turns.Select(t => t.ToConversationTurn())]);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Session {SessionId}: the turn archive's queue was not written within {Wait}; the session's recent history is read from what is archived")]
    private static partial void LogFlushSlow(ILogger logger, string sessionId, TimeSpan wait);
}
