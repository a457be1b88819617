using AudioOrchestrator.Grains.Routing;

namespace AudioOrchestrator.Grains.Agents;

/// <summary>One exchange of a conversation as the summarizers see it.</summary>
/// <param name="Speaker">Who spoke.</param>
/// <param name="Said">What they said.</param>
/// <param name="Answer">What the assistant answered.</param>
public sealed record Exchange(string Speaker, string Said, string Answer);

/// <summary>
/// A summary without a language model: the most informative things people said, in the order they said them. A
/// statement's weight is the sum, over its distinct content words, of how rare the word is in the conversation
/// (inverse document frequency), so greetings and repeated commands weigh little and specific questions much.
/// </summary>
public static class ExtractiveSummarizer
{
    private static readonly HashSet<string> StopWords = new(StringComparer.Ordinal)
    {
        "a", "an", "the", "is", "are", "was", "were", "be", "been", "am", "i", "you", "we", "they", "he", "she", "it", "me",
        "my", "your", "our", "us", "to", "of", "in", "on", "for", "and", "or", "but", "so", "do", "does", "did", "what",
        "how", "who", "why", "when", "where", "which", "that", "this", "these", "those", "with", "about", "at", "by", "from",
        "can", "could", "would", "will", "please", "hey", "orchestrator", "ok", "okay", "yes", "no", "just", "there", "here",
    };

    /// <summary>The <paramref name="count"/> most informative exchanges, in conversation order.</summary>
    public static IReadOnlyList<Exchange> MostInformative(IReadOnlyList<Exchange> exchanges, int count)
    {
        ArgumentNullException.ThrowIfNull(exchanges);
        var words = exchanges.Select(e => ContentWords(e.Said)).ToArray();
        var documentFrequency = words.SelectMany(w => w).GroupBy(w => w, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);
        var n = exchanges.Count;
        return exchanges
            .Select((exchange, index) => (exchange, index, weight: words[index].Sum(w => Math.Log(1.0 + (n / (double)documentFrequency[w])))))
            .Where(x => x.weight > 0)
            .OrderByDescending(x => x.weight)
            .ThenBy(x => x.index)
            .Take(count)
            .OrderBy(x => x.index)
            .Select(x => x.exchange)
            .ToArray();
    }

    /// <summary>A spoken summary: the earlier summary (if any), then the most informative statements.</summary>
    public static string Summarize(string? earlier, IReadOnlyList<Exchange> exchanges, int count = 3)
    {
        var picked = MostInformative(exchanges, count);
        var parts = new List<string>();
        if (!string.IsNullOrWhiteSpace(earlier))
        {
            parts.Add(earlier.Trim().TrimEnd('.') + ".");
        }

        if (picked.Count > 0)
        {
            var said = picked.Select(e => $"{e.Speaker} said \"{e.Said.Trim()}\"");
            parts.Add((parts.Count > 0 ? "Then " : "We talked about this: ") + string.Join("; ", said) + ".");
        }

        return parts.Count == 0 ? "We have not talked about anything yet." : string.Join(' ', parts);
    }

    private static HashSet<string> ContentWords(string text) =>
        TextNormalizer.Words(text).Where(w => w.Length > 1 && !StopWords.Contains(w)).ToHashSet(StringComparer.Ordinal);
}
