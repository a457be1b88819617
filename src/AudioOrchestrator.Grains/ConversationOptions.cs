using System.ComponentModel.DataAnnotations;

namespace AudioOrchestrator.Grains;

/// <summary>How sessions route, remember and answer turns. Section <c>Conversation</c>.</summary>
public sealed class ConversationOptions
{
    public const string SectionName = "Conversation";

    /// <summary>The agent that answers when no phrase matches and no intent is recognised; empty = the agent marked IsFallback.</summary>
    public string? FallbackAgent { get; set; }

    /// <summary>Turns kept in a session's persisted history; older turns are dropped.</summary>
    [Range(1, 100_000)]
    public int MaxHistoryTurns { get; set; } = 200;

    /// <summary>
    /// Chat messages of earlier turns handed to agents (a turn is two: what was said and the answer); older turns are
    /// folded into the session's running summary.
    /// </summary>
    [Range(0, 1_000)]
    public int MaxHistoryMessages { get; set; } = 20;

    /// <summary>How long an agent may take for its whole answer before the turn ends with an apology.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:10:00")]
    public TimeSpan AgentTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How deep agents may call agents (the session's call is depth 0).</summary>
    [Range(0, 10)]
    public int MaxAgentDepth { get; set; } = 3;
}
