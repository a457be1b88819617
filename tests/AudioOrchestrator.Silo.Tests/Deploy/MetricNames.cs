using System.Text.RegularExpressions;

namespace AudioOrchestrator.Silo.Tests.Deploy;

/// <summary>
/// Prometheus series names: those a PromQL expression reads, and those docs/operations.md documents (its OpenTelemetry
/// instrument names in Prometheus form: dots to underscores, with the <c>_total</c>, <c>_milliseconds</c> or
/// <c>_seconds</c> suffix the exporter adds).
/// </summary>
internal static partial class MetricNames
{
    private static readonly HashSet<string> PromQlWords = new(StringComparer.Ordinal)
    {
        "by", "without", "on", "ignoring", "group_left", "group_right", "bool", "and", "or", "unless", "offset", "inf", "nan",
    };

    /// <summary>Series Prometheus itself writes.</summary>
    private static readonly string[] PrometheusOwn = ["up", "scrape_duration_seconds"];

    /// <summary>The metric names an expression selects.</summary>
    public static IReadOnlySet<string> InPromQl(string expression)
    {
        var stripped = Quoted().Replace(expression, " ");
        stripped = Braces().Replace(stripped, " ");
        stripped = Brackets().Replace(stripped, " ");
        stripped = Grouping().Replace(stripped, " ");
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (Match m in Identifier().Matches(stripped))
        {
            var next = stripped[(m.Index + m.Length)..].TrimStart();
            if (next.StartsWith('(') || PromQlWords.Contains(m.Value.ToLowerInvariant()))
            {
                continue;
            }

            names.Add(m.Value);
        }

        return names;
    }

    /// <summary>The Prometheus names docs/operations.md documents (each backquoted name, expanded with the exporter's suffixes).</summary>
    public static IReadOnlySet<string> Documented(string operationsMarkdown)
    {
        var names = new HashSet<string>(PrometheusOwn, StringComparer.Ordinal);
        var previous = "";
        foreach (Match m in BackQuoted().Matches(operationsMarkdown))
        {
            var text = m.Groups[1].Value;
            IEnumerable<string> candidates;
            if (text.StartsWith('.'))
            {
                // "`audioorchestrator.discord.frames_received`, `.frames_dropped`": short for a name sharing a prefix.
                var parts = previous.Split('.');
                candidates = Enumerable.Range(1, Math.Max(0, parts.Length - 1)).Select(n => string.Join('.', parts.Take(n)) + text);
            }
            else
            {
                previous = text;
                candidates = [text];
            }

            foreach (var candidate in candidates)
            {
                var name = candidate.Replace('.', '_').Replace('-', '_');
                names.UnionWith([name, name + "_total", name + "_milliseconds", name + "_seconds"]);
            }
        }

        return names;
    }

    /// <summary>The series name without a histogram's <c>_bucket</c>, <c>_sum</c> or <c>_count</c>.</summary>
    public static string Family(string series) =>
        new[] { "_bucket", "_sum", "_count" }.FirstOrDefault(s => series.EndsWith(s, StringComparison.Ordinal)) is { } suffix ? series[..^suffix.Length] : series;

    [GeneratedRegex(@"""(?:[^""\\]|\\.)*""|'(?:[^'\\]|\\.)*'")]
    private static partial Regex Quoted();

    [GeneratedRegex(@"\{[^}]*\}")]
    private static partial Regex Braces();

    [GeneratedRegex(@"\[[^\]]*\]")]
    private static partial Regex Brackets();

    [GeneratedRegex(@"\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)")]
    private static partial Regex Grouping();

    [GeneratedRegex(@"(?<![\w$.])[a-zA-Z_:][a-zA-Z0-9_:]*")]
    private static partial Regex Identifier();

    [GeneratedRegex(@"`(\.?[a-z][a-z0-9_]*(?:[.\-][a-z0-9_]+)+|\.?[a-z][a-z0-9]*_[a-z0-9_]+)`")]
    private static partial Regex BackQuoted();
}
