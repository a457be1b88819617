using System.ComponentModel.DataAnnotations;

namespace AudioOrchestrator.Grains;

/// <summary>How sessions route and remember turns. Section <c>Conversation</c>.</summary>
public sealed class ConversationOptions
{
    public const string SectionName = "Conversation";

    /// <summary>Phrases that address the assistant; stripped before routing.</summary>
    public IList<string> WakePhrases { get; set; } = ["hey orchestrator"];

    /// <summary>The agent that answers when no phrase matches; empty = the agent marked IsFallback.</summary>
    public string? FallbackAgent { get; set; }

    /// <summary>Turns kept in a session's persisted history; older turns are dropped.</summary>
    [Range(1, 100_000)]
    public int MaxHistoryTurns { get; set; } = 200;

    /// <summary>Latest turns handed to agents as context.</summary>
    [Range(0, 1_000)]
    public int RecentTurnsForAgents { get; set; } = 10;

    /// <summary>How long an agent may take before the turn fails.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:10:00")]
    public TimeSpan AgentTimeout { get; set; } = TimeSpan.FromSeconds(30);
}
