using AudioOrchestrator.Contracts;
using AudioOrchestrator.Grains.Conversations;
using Microsoft.Extensions.AI;

namespace AudioOrchestrator.Grains.Tests.Conversations;

public sealed class ConversationMemoryTests
{
    private static ConversationTurn Turn(int n, string speaker = "alice", string agent = "conversation") =>
        new($"t{n}", speaker, $"question {n}", agent, $"answer {n}", DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch);

    private static readonly ConversationTurn[] History = [.. Enumerable.Range(1, 6).Select(n => Turn(n))];

    [Fact]
    public void Agents_get_the_latest_turns_as_chat_messages_then_the_utterance()
    {
        var messages = ConversationMemory.Messages(History, null, maxHistoryMessages: 4, "bob", "and now?");

        Assert.Equal(
            [(ChatRole.User, "question 5"), (ChatRole.Assistant, "answer 5"), (ChatRole.User, "question 6"), (ChatRole.Assistant, "answer 6"), (ChatRole.User, "and now?")],
            messages.Select(m => (m.Role, m.Text)));
        Assert.Equal(["alice", "conversation", "alice", "conversation", "bob"], messages.Select(m => m.AuthorName));
    }

    [Fact]
    public void Older_turns_not_yet_summarised_are_due_for_the_summary()
    {
        Assert.Equal(["t1", "t2", "t3", "t4"], ConversationMemory.DueForSummary(History, null, 4).Select(t => t.TurnId));
        Assert.Equal(["t3", "t4"], ConversationMemory.DueForSummary(History, "t2", 4).Select(t => t.TurnId));
        Assert.Empty(ConversationMemory.DueForSummary(History, "t4", 4));
        // A folded turn no longer kept: everything kept is newer than it.
        Assert.Equal(6, ConversationMemory.Unfolded(History, "t0").Count);
    }

    [Theory]
    [InlineData("alice", "alice")]
    [InlineData("81384788765712384", "81384788765712384")]
    [InlineData("Ana María", "Ana_Mar_a")]
    [InlineData("", "user")]
    public void Speaker_names_are_made_acceptable_to_chat_apis(string speaker, string name) =>
        Assert.Equal(name, ConversationMemory.AuthorName(speaker));

    [Fact]
    public void Summaries_leave_out_summarisation_turns()
    {
        var exchanges = ConversationMemory.Exchanges([Turn(1), Turn(2, agent: "summarization"), Turn(3, "bob")]);

        Assert.Equal([("alice", "question 1"), ("bob", "question 3")], exchanges.Select(e => (e.Speaker, e.Said)));
    }
}
