using System.ComponentModel.DataAnnotations;

namespace AudioOrchestrator.Grains;

/// <summary>How sessions route, remember and answer turns. Section <c>Conversation</c>.</summary>
public sealed class ConversationOptions
{
    public const string SectionName = "Conversation";

    /// <summary>The default of <see cref="MaxHistoryTurns"/>.</summary>
    public const int DefaultMaxHistoryTurns = 20;

    /// <summary>The agent that answers when no phrase matches and no intent is recognised; empty = the agent marked IsFallback.</summary>
    public string? FallbackAgent { get; set; }

    /// <summary>
    /// Turns kept in a session's persisted state: its recent window, which is what <c>GET /api/v1/sessions/{id}</c>
    /// shows and what is rebuilt from the turn archive after a restart. Older turns leave the state (they stay in the
    /// archive, and their gist in the running summary). The default is twice the turns agents see
    /// (<see cref="MaxHistoryMessages"/> / 2): the other half gives the background summary fold time to take turns in
    /// before they leave.
    /// </summary>
    [Range(1, 100_000)]
    public int MaxHistoryTurns { get; set; } = DefaultMaxHistoryTurns;


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
