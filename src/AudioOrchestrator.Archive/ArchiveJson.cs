using System.Text.Json;
using AudioOrchestrator.Contracts;

namespace AudioOrchestrator.Archive;

/// <summary>The JSON columns (timings, tool calls) as System.Text.Json writes the Contracts records.</summary>
internal static class ArchiveJson
{
    public static string? Serialize(TurnTimings? timings) =>
        timings is null ? null : JsonSerializer.Serialize(timings, JsonSerializerOptions.Web);

    public static string? Serialize(IReadOnlyList<ToolCallRecord>? toolCalls) =>
        toolCalls is null ? null : JsonSerializer.Serialize(toolCalls, JsonSerializerOptions.Web);

    public static TurnTimings? ReadTimings(string? json) =>
        json is null ? null : JsonSerializer.Deserialize<TurnTimings>(json, JsonSerializerOptions.Web);

    public static IReadOnlyList<ToolCallRecord>? ReadToolCalls(string? json) =>
        json is null ? null : JsonSerializer.Deserialize<ToolCallRecord[]>(json, JsonSerializerOptions.Web);
}

/// <summary>Turns a user's search text into plain words: no operator, quote or syntax of any search engine survives.</summary>
internal static class SearchText
{
    /// <summary>
    /// The words of <paramref name="q"/> (runs of letters and digits, lower-cased), or an empty list when it has none.
    /// Both stores match a turn that contains every word (PostgreSQL's <c>simple</c> configuration and SQLite's
    /// <c>unicode61</c> tokenizer split text the same way for these).
    /// </summary>
    public static IReadOnlyList<string> Words(string q)
    {
        var words = new List<string>();
        var start = -1;
        for (var i = 0; i <= q.Length; i++)
        {
            var isWordChar = i < q.Length && char.IsLetterOrDigit(q[i]);
            if (isWordChar && start < 0)
            {
                start = i;
            }
            else if (!isWordChar && start >= 0)
            {
                words.Add(q[start..i].ToLowerInvariant());
                start = -1;
            }
        }

        return words;
    }

    /// <summary>An FTS5 query of quoted phrases, one per word (implicit AND).</summary>
    public static string ToFts5(IReadOnlyList<string> words) =>
        string.Join(' ', words.Select(w => "\"" + w.Replace("\"", "\"\"", StringComparison.Ordinal) + "\""));
}
