using System.ComponentModel.DataAnnotations;

namespace AudioOrchestrator.Grains.Agents;

/// <summary>The summarization agent and the running summary of long sessions. Section <c>Summary</c>.</summary>
public sealed class SummaryOptions
{
    public const string SectionName = "Summary";

    /// <summary>Turns a session needs before it is summarised; below, the agent says there is not enough yet.</summary>
    [Range(0, 10_000)]
    public int MinTurns { get; set; } = 5;

    /// <summary>Phrases that ask for a summary; empty = the agent's own ("summarize our conversation", "what did we talk about", "summary", ...).</summary>
    public IList<string> TriggerPhrases { get; set; } = [];

    /// <summary>Longest running summary kept in the session context, in characters.</summary>
    [Range(100, 20_000)]
    public int MaxRunningSummaryCharacters { get; set; } = 1200;
}
