using AudioOrchestrator.Grains.WakeWords;
using Microsoft.Extensions.AI;

namespace AudioOrchestrator.Grains.Routing;

/// <summary>
/// The classifier without a language model: each class's keywords are its name, its agent's name, the non-trivial
/// words of the agent's phrases and the agent's <c>Keywords</c>; an utterance word counts 1 for an exact keyword and
/// 0.8 for a near one (letter edit distance up to a fifth of the word, e.g. "summarise" for "summarize"). The class
/// with the highest score wins when it scores at least 1 and no other class ties with it; otherwise none.
/// </summary>
public sealed class KeywordIntentClassifier : IIntentClassifier
{
    private const double NearMatch = 0.8;
    private const double MaxLetterDistance = 0.2;

    private static readonly HashSet<string> StopWords = new(StringComparer.Ordinal)
    {
        "a", "an", "the", "is", "are", "was", "were", "what", "who", "how", "why", "when", "where", "which", "me", "my",
        "you", "your", "i", "it", "its", "to", "of", "in", "on", "for", "and", "or", "please", "can", "could", "would",
        "tell", "do", "does", "did", "this", "that", "be", "with", "about", "from", "at", "by", "we", "our", "us", "just",
        "some", "something", "now", "hey", "ok", "okay", "so", "then", "there", "here", "let", "lets", "let's", "give",
    };

    private readonly IReadOnlyList<(IntentClass Class, HashSet<string> Keywords)> _classes;

    public KeywordIntentClassifier(IntentClasses classes)
    {
        ArgumentNullException.ThrowIfNull(classes);
        _classes = classes.All
            .Where(c => c.Name != IntentClasses.General)
            .Select(c => (c, KeywordsOf(c)))
            .ToArray();
    }

    public bool UsesModel => false;

    public Task<IntentResult> ClassifyAsync(string text, IReadOnlyList<ChatMessage> conversation, CancellationToken cancellationToken) =>
        Task.FromResult(Classify(text));

    /// <summary>The keyword decision for <paramref name="text"/>.</summary>
    public IntentResult Classify(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var words = TextNormalizer.Words(text).Where(w => !StopWords.Contains(w)).Distinct(StringComparer.Ordinal).ToArray();
        var scored = _classes
            .Select(c => (c.Class, Score: words.Sum(w => Score(w, c.Keywords))))
            .OrderByDescending(s => s.Score)
            .ToArray();
        if (scored.Length == 0 || scored[0].Score < 1 || (scored.Length > 1 && Math.Abs(scored[1].Score - scored[0].Score) < 1e-9))
        {
            return new IntentResult(null, "keywords: none");
        }

        return new IntentResult(scored[0].Class, $"keywords: {scored[0].Class.Name}");
    }

    private static double Score(string word, HashSet<string> keywords)
    {
        if (keywords.Contains(word))
        {
            return 1;
        }

        if (word.Length < 4)
        {
            return 0;
        }

        return keywords.Any(k => k.Length >= 4 && WakePhraseMatcher.LetterDistance(word, k) <= MaxLetterDistance) ? NearMatch : 0;
    }

    private static HashSet<string> KeywordsOf(IntentClass intent)
    {
        var keywords = new HashSet<string>(StringComparer.Ordinal);
        foreach (var word in TextNormalizer.Words(intent.Name)
            .Concat(TextNormalizer.Words(intent.Agent.Name))
            .Concat(intent.Agent.Phrases.SelectMany(p => p.Literals))
            .Concat((intent.Agent.Keywords ?? []).SelectMany(k => TextNormalizer.Words(k))))
        {
            if (!StopWords.Contains(word))
            {
                keywords.Add(word);
            }
        }

        return keywords;
    }
}
