using AudioOrchestrator.Contracts;
using AudioOrchestrator.Grains.Conversations;

namespace AudioOrchestrator.Grains.Tests.Conversations;

/// <summary>A session that activates hands the archive the turns of its state a stopped silo did not write there.</summary>
public sealed class ArchiveCatchUpTests
{
    private static readonly DateTimeOffset T0 = new(2026, 12, 6, 10, 0, 0, TimeSpan.Zero);

    private static ConversationTurn Turn(string id, int second) =>
        new(id, "user", "echo " + id, "echo", id, T0.AddSeconds(second - 1), T0.AddSeconds(second));

    private static ArchivedHistory Archived(params ConversationTurn[] turns) =>
        new(null, turns.Length, turns[0].AnsweredAt, turns[^1].AnsweredAt, turns);

    [Fact]
    public void Turns_newer_than_the_archives_newest_and_missing_from_it_are_handed_again()
    {
        var window = new[] { Turn("a", 1), Turn("b", 2), Turn("c", 3), Turn("d", 4) };
        var missed = ArchiveCatchUp.MissedTurns(window, Archived(window[0], window[1]));
        Assert.Equal(["c", "d"], missed.Select(t => t.TurnId));
    }

    [Fact]
    public void Nothing_is_handed_when_the_archive_has_every_turn()
    {
        var window = new[] { Turn("a", 1), Turn("b", 2) };
        Assert.Empty(ArchiveCatchUp.MissedTurns(window, Archived(window)));
    }

    [Fact]
    public void Older_turns_missing_from_the_archive_were_deleted_on_purpose_and_stay_out()
    {
        // Retention deleted "a"; "b" and "c" are archived: "a" is not resurrected.
        var window = new[] { Turn("a", 1), Turn("b", 2), Turn("c", 3) };
        Assert.Empty(ArchiveCatchUp.MissedTurns(window, Archived(window[1], window[2])));
    }

    [Fact]
    public void A_session_of_which_nothing_is_archived_hands_its_whole_window()
    {
        var window = new[] { Turn("a", 1), Turn("b", 2) };
        Assert.Equal(["a", "b"], ArchiveCatchUp.MissedTurns(window, null).Select(t => t.TurnId));
    }
}
