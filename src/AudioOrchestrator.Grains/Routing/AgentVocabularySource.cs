using AudioOrchestrator.Speech;
using Microsoft.Extensions.Options;

namespace AudioOrchestrator.Grains.Routing;

/// <summary>Feeds the embedded speech-to-text grammar with every agent's phrases and the wake phrases.</summary>
public sealed class AgentVocabularySource(AgentCatalog catalog, IOptions<ConversationOptions> options) : ISpeechVocabularySource
{
    /// <summary>Words the stock pronunciation dictionary lacks.</summary>
    private static readonly IReadOnlyDictionary<string, string> ExtraPronunciations = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["orchestrator"] = "AO R K AH S T R EY T ER",
    };

    public SpeechVocabulary GetVocabulary() => new(
        catalog.Agents.SelectMany(a => a.Phrases).Select(p => p.Text.ToLowerInvariant()).Distinct(StringComparer.Ordinal).ToArray(),
        options.Value.WakePhrases.Select(p => p.ToLowerInvariant()).ToArray(),
        ExtraPronunciations);
}
