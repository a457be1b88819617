using AudioOrchestrator.Contracts;

namespace AudioOrchestrator.Grains.Conversations;

/// <summary>A session's persisted state: context, history and profile. Stored as JSON (System.Text.Json).</summary>
[GenerateSerializer]
public sealed class SessionState
{
    [Id(0)]
    public DateTimeOffset CreatedAt { get; set; }

    [Id(1)]
    public DateTimeOffset UpdatedAt { get; set; }

    [Id(2)]
    public Dictionary<string, string> Context { get; set; } = new(StringComparer.Ordinal);

    [Id(3)]
    public List<ConversationTurn> History { get; set; } = [];

    /// <summary>What the session is, as the ingress that opened it said; null for a REST session.</summary>
    [Id(4)]
    public SessionProfile? Profile { get; set; }
}
