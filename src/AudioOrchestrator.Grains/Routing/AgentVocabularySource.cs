using AudioOrchestrator.Grains.Listening;
using AudioOrchestrator.Grains.WakeWords;
using AudioOrchestrator.Speech;
using Microsoft.Extensions.Options;

namespace AudioOrchestrator.Grains.Routing;

/// <summary>
/// Feeds the embedded speech-to-text grammar with every agent's phrases and the wake phrases (the router's, the
/// <c>WakeWord</c> section's and every guild override's).
/// </summary>
public sealed class AgentVocabularySource(
    AgentCatalog catalog,
    IOptions<ConversationOptions> options,
    IOptionsMonitor<WakeWordOptions> wake,
    GuildOverrideSet<WakeWordOptions> wakeGuilds) : ISpeechVocabularySource
{
    /// <summary>Words the stock pronunciation dictionary lacks.</summary>
    private static readonly IReadOnlyDictionary<string, string> ExtraPronunciations = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["orchestrator"] = "AO R K AH S T R EY T ER",
    };

    public SpeechVocabulary GetVocabulary() => new(
        catalog.Agents.SelectMany(a => a.Phrases).Select(p => p.Text.ToLowerInvariant()).Distinct(StringComparer.Ordinal).ToArray(),
        options.Value.WakePhrases
            .Concat(wake.CurrentValue.Phrases)
            .Concat(wakeGuilds.GuildIds.SelectMany(id => wake.Get(GuildOverrides.OptionsName(id)).Phrases))
            .Select(p => string.Join(' ', TextNormalizer.Words(p)))
            .Where(p => p.Length > 0)
            .Distinct(StringComparer.Ordinal)
            .ToArray(),
        ExtraPronunciations);
}
