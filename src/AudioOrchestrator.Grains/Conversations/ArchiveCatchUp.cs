using AudioOrchestrator.Contracts;

namespace AudioOrchestrator.Grains.Conversations;

/// <summary>
/// Which turns of a session's recent window the turn archive lacks and should be handed again: those it does not have
/// that were answered at or after its newest (older missing ones were deleted on purpose, by retention).
/// </summary>
public static class ArchiveCatchUp
{
    public static IReadOnlyList<ConversationTurn> MissedTurns(IReadOnlyList<ConversationTurn> window, ArchivedHistory? archived)
    {
        ArgumentNullException.ThrowIfNull(window);
        if (archived is null || archived.Turns.Count == 0)
        {
            return [.. window];
        }

        var known = archived.Turns.Select(t => t.TurnId).ToHashSet(StringComparer.Ordinal);

        // The archive stores times at microsecond precision: a millisecond of slack keeps the newest turn's own peers.
        var since = archived.LastActivityAt - TimeSpan.FromMilliseconds(1);
        return [.. window.Where(t => !known.Contains(t.TurnId) && t.AnsweredAt >= since)];
    }
}
