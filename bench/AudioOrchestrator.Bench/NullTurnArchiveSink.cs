using AudioOrchestrator.Contracts;
using AudioOrchestrator.Grains.Conversations;

namespace AudioOrchestrator.Bench;

/// <summary>No archive at all: the baseline the archive's cost on a turn is measured against.</summary>
public sealed class NullTurnArchiveSink : ITurnArchiveSink
{
    public void Committed(string sessionId, string? guildId, ConversationTurn turn)
    {
    }

    public void Interrupted(string sessionId, string turnId, string heardText)
    {
    }

    public Task ForgetAsync(string sessionId, CancellationToken cancellationToken) => Task.CompletedTask;
}
