using AudioOrchestrator.Grains.WakeWords;
using AudioOrchestrator.Speech;

namespace AudioOrchestrator.Grains.Routing;

/// <summary>
/// Feeds the embedded speech-to-text grammar with every agent's phrases and every configured wake phrase
/// (<see cref="ConfiguredWakePhrases"/>).
/// </summary>
public sealed class AgentVocabularySource(AgentCatalog catalog, ConfiguredWakePhrases wakePhrases) : ISpeechVocabularySource
{
    /// <summary>Words the stock pronunciation dictionary lacks.</summary>
    private static readonly IReadOnlyDictionary<string, string> ExtraPronunciations = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["orchestrator"] = "AO R K AH S T R EY T ER",
    };

    public SpeechVocabulary GetVocabulary() => new(
        catalog.Agents.SelectMany(a => a.Phrases).Select(p => p.Text.ToLowerInvariant()).Distinct(StringComparer.Ordinal).ToArray(),
        wakePhrases.Phrases,
        ExtraPronunciations);
}
