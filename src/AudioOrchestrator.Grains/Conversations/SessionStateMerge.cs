using AudioOrchestrator.Contracts;

namespace AudioOrchestrator.Grains.Conversations;

/// <summary>
/// Joins what this activation holds with what storage holds when a write found the storage's etag moved on: around a
/// silo's death or restart Orleans can briefly run a session on two silos, and both record turns. Nothing either
/// recorded is dropped: every stored turn stays, this activation's version of a turn both hold wins (it may have been
/// marked interrupted since), turns only this activation holds are added, all in the order they were answered.
/// </summary>
public static class SessionStateMerge
{
    public static SessionState Merge(SessionState stored, SessionState mine)
    {
        ArgumentNullException.ThrowIfNull(stored);
        ArgumentNullException.ThrowIfNull(mine);
        var mineById = mine.History.ToDictionary(t => t.TurnId, StringComparer.Ordinal);
        var storedIds = stored.History.Select(t => t.TurnId).ToHashSet(StringComparer.Ordinal);
        List<ConversationTurn> history =
        [
            .. stored.History.Select(t => mineById.GetValueOrDefault(t.TurnId) ?? t),
            .. mine.History.Where(t => !storedIds.Contains(t.TurnId)),
        ];
        return new SessionState
        {
            CreatedAt = stored.CreatedAt == default ? mine.CreatedAt : Min(stored.CreatedAt, mine.CreatedAt),
            UpdatedAt = Max(stored.UpdatedAt, mine.UpdatedAt),
            Context = new Dictionary<string, string>(mine.Context, StringComparer.Ordinal),
            History = [.. history.OrderBy(t => t.AnsweredAt)],
            Profile = mine.Profile ?? stored.Profile,
        };
    }

    private static DateTimeOffset Min(DateTimeOffset a, DateTimeOffset b) => a <= b ? a : b;

    private static DateTimeOffset Max(DateTimeOffset a, DateTimeOffset b) => a >= b ? a : b;
}
