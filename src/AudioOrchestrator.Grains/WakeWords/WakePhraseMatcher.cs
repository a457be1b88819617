using AudioOrchestrator.Grains.Routing;

namespace AudioOrchestrator.Grains.WakeWords;

/// <summary>A wake phrase found at the start of a transcript.</summary>
/// <param name="Phrase">The configured phrase.</param>
/// <param name="Remainder">The transcript after it (normalised words), what the agents get.</param>
/// <param name="Distance">Normalised word edit distance between the transcript's start and the phrase (0 = exact).</param>
public sealed record WakeMatch(string Phrase, string Remainder, double Distance);

/// <summary>
/// Finds a wake phrase at the start of a transcript, tolerating recognition slips: the distance is a word-level edit
/// distance (insert/delete a word = 1, substitute = the two words' letter edit distance over the longer length),
/// divided by the phrase's word count, minimised over transcript prefixes one word shorter to one word longer than
/// the phrase.
/// </summary>
public sealed class WakePhraseMatcher
{
    private readonly IReadOnlyList<(string Phrase, string[] Words)> _phrases;
    private readonly double _threshold;

    public WakePhraseMatcher(IEnumerable<string> phrases, double threshold)
    {
        ArgumentNullException.ThrowIfNull(phrases);
        ArgumentOutOfRangeException.ThrowIfNegative(threshold);
        _phrases = phrases.Select(p => (p, TextNormalizer.Words(p).ToArray())).Where(p => p.Item2.Length > 0).ToArray();
        _threshold = threshold;
    }

    /// <summary>The best wake phrase at the start of <paramref name="transcript"/> within the threshold, or null.</summary>
    public WakeMatch? Match(string transcript)
    {
        ArgumentNullException.ThrowIfNull(transcript);
        var words = TextNormalizer.Words(transcript);
        WakeMatch? best = null;
        foreach (var (phrase, phraseWords) in _phrases)
        {
            var shortest = Math.Max(1, phraseWords.Length - 1);
            var longest = Math.Min(words.Count, phraseWords.Length + 1);
            for (var length = shortest; length <= longest; length++)
            {
                var distance = WordDistance(words, length, phraseWords) / phraseWords.Length;
                var better = best is null || distance < best.Distance - 1e-9
                    || (Math.Abs(distance - best.Distance) < 1e-9 && length == phraseWords.Length);
                if (distance <= _threshold && better)
                {
                    best = new WakeMatch(phrase, string.Join(' ', words.Skip(length)), distance);
                }
            }
        }

        return best;
    }

    /// <summary>Levenshtein distance over words with fractional substitution costs.</summary>
    internal static double WordDistance(IReadOnlyList<string> words, int length, string[] phrase)
    {
        var previous = new double[phrase.Length + 1];
        var current = new double[phrase.Length + 1];
        for (var j = 0; j <= phrase.Length; j++)
        {
            previous[j] = j;
        }

        for (var i = 1; i <= length; i++)
        {
            current[0] = i;
            for (var j = 1; j <= phrase.Length; j++)
            {
                var substitute = previous[j - 1] + LetterDistance(words[i - 1], phrase[j - 1]);
                current[j] = Math.Min(substitute, Math.Min(previous[j] + 1, current[j - 1] + 1));
            }

            (previous, current) = (current, previous);
        }

        return previous[phrase.Length];
    }

    /// <summary>Letter edit distance divided by the longer word's length (0..1).</summary>
    internal static double LetterDistance(string a, string b)
    {
        if (string.Equals(a, b, StringComparison.Ordinal))
        {
            return 0;
        }

        var previous = new int[b.Length + 1];
        var current = new int[b.Length + 1];
        for (var j = 0; j <= b.Length; j++)
        {
            previous[j] = j;
        }

        for (var i = 1; i <= a.Length; i++)
        {
            current[0] = i;
            for (var j = 1; j <= b.Length; j++)
            {
                var cost = a[i - 1] == b[j - 1] ? 0 : 1;
                current[j] = Math.Min(previous[j - 1] + cost, Math.Min(previous[j] + 1, current[j - 1] + 1));
            }

            (previous, current) = (current, previous);
        }

        return previous[b.Length] / (double)Math.Max(a.Length, b.Length);
    }
}
