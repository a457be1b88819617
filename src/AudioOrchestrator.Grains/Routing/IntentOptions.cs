using System.ComponentModel.DataAnnotations;

namespace AudioOrchestrator.Grains.Routing;

/// <summary>Intent routing of free speech that no phrase matches. Section <c>Intent</c>.</summary>
public sealed class IntentOptions
{
    public const string SectionName = "Intent";

    /// <summary>
    /// Intent classes and the agent each goes to, e.g. <c>{ "echo": "echo", "summarize": "summarization", "general":
    /// "conversation" }</c>. Empty (the default): every agent but the fallback is a class of its own name, and
    /// <c>general</c> goes to the fallback agent.
    /// </summary>
    public Dictionary<string, string> Classes { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>How long the language model may take to classify before the keyword classifier decides instead.</summary>
    [Range(typeof(TimeSpan), "00:00:00.050", "00:01:00")]
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(3);
}
