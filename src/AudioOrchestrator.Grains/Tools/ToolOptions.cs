using System.ComponentModel.DataAnnotations;

namespace AudioOrchestrator.Grains.Tools;

/// <summary>Tools the language model may call. Section <c>Tools</c>.</summary>
public sealed class ToolOptions
{
    public const string SectionName = "Tools";

    /// <summary>Offer tools to the model at all (the built-in ones and the MCP servers').</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>How long one tool call may take; after it the model is told the tool did not answer.</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "00:10:00")]
    public TimeSpan CallTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Longest tool result handed to the model, in characters (the rest is cut, and the model is told).</summary>
    [Range(100, 1_000_000)]
    public int MaxResultCharacters { get; set; } = 4000;

    /// <summary>When a tool has run this long and nothing has been said yet, the filler is spoken.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:01:00")]
    public TimeSpan FillerAfter { get; set; } = TimeSpan.FromMilliseconds(700);

    /// <summary>What is said while a slow tool runs (empty = nothing).</summary>
    public string Filler { get; set; } = "One moment.";
}
