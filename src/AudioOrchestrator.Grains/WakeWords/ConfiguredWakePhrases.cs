using AudioOrchestrator.Grains.Listening;
using AudioOrchestrator.Grains.Routing;
using Microsoft.Extensions.Options;

namespace AudioOrchestrator.Grains.WakeWords;

/// <summary>
/// Every wake phrase configured, as normalised words: <c>WakeWord:Phrases</c> and every guild override's. The speech
/// grammar needs them all, and the router strips any of them from the start of a typed or transcribed turn.
/// </summary>
/// <param name="Phrases">Distinct phrases, words separated by one space.</param>
public sealed record ConfiguredWakePhrases(IReadOnlyList<string> Phrases)
{
    /// <summary>Collects the phrases of the base options and of each guild override.</summary>
    public static ConfiguredWakePhrases From(IOptionsMonitor<WakeWordOptions> wake, GuildOverrideSet<WakeWordOptions> guilds)
    {
        ArgumentNullException.ThrowIfNull(wake);
        ArgumentNullException.ThrowIfNull(guilds);
        return new ConfiguredWakePhrases(
            wake.CurrentValue.Phrases
                .Concat(guilds.GuildIds.SelectMany(id => wake.Get(GuildOverrides.OptionsName(id)).Phrases))
                .Select(p => string.Join(' ', TextNormalizer.Words(p)))
                .Where(p => p.Length > 0)
                .Distinct(StringComparer.Ordinal)
                .ToArray());
    }
}
