using AudioOrchestrator.Contracts;
using AudioOrchestrator.Grains.Conversations;

namespace AudioOrchestrator.Grains.Tests.Conversations;

public sealed class SessionStateMergeTests
{
    private static readonly DateTimeOffset T0 = new(2026, 12, 6, 12, 0, 0, TimeSpan.Zero);

    private static ConversationTurn Turn(string id, int second, bool interrupted = false) =>
        new(id, "ana", "q " + id, "echo", "a " + id, T0.AddSeconds(second - 1), T0.AddSeconds(second), interrupted);

    [Fact]
    public void Every_turn_either_activation_recorded_is_kept_in_the_order_answered()
    {
        var stored = new SessionState
        {
            CreatedAt = T0,
            UpdatedAt = T0.AddSeconds(5),
            History = [Turn("a", 1), Turn("b", 2), Turn("c", 5)],
            Context = { ["stored"] = "1" },
            Profile = SessionProfile.Discord(42),
        };
        var mine = new SessionState
        {
            CreatedAt = T0.AddSeconds(3),
            UpdatedAt = T0.AddSeconds(6),
            History = [Turn("a", 1), Turn("b", 2, interrupted: true), Turn("d", 4), Turn("e", 6)],
            Context = { ["mine"] = "2" },
        };

        var merged = SessionStateMerge.Merge(stored, mine);

        Assert.Equal(["a", "b", "d", "c", "e"], merged.History.Select(t => t.TurnId));
        Assert.True(merged.History[1].Interrupted, "this activation's version of a turn both hold wins");
        Assert.Equal((T0, T0.AddSeconds(6)), (merged.CreatedAt, merged.UpdatedAt));
        Assert.Equal(["mine"], merged.Context.Keys);
        Assert.Equal(stored.Profile, merged.Profile);
    }

    [Fact]
    public void A_first_write_that_found_a_row_keeps_this_activations_creation_time()
    {
        var merged = SessionStateMerge.Merge(new SessionState(), new SessionState { CreatedAt = T0, History = [Turn("a", 1)] });
        Assert.Equal(T0, merged.CreatedAt);
        Assert.Equal("a", Assert.Single(merged.History).TurnId);
    }
}
