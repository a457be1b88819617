using AudioOrchestrator.Contracts;
using AudioOrchestrator.Grains.WakeWords;
using Microsoft.Extensions.Options;

namespace AudioOrchestrator.Grains.Routing;

/// <summary>The agent chosen for an utterance, what its phrase captured, and why it was chosen.</summary>
public sealed record RouteDecision(AgentDescriptor Agent, string Text, IReadOnlyDictionary<string, string> Slots, bool WakePhraseHeard, TurnRoute Route);

/// <summary>
/// The fast path of routing: strips a leading wake phrase, then takes the phrase with the most literal words that
/// fits the whole utterance. What no phrase fits goes to intent classification (<see cref="IIntentClassifier"/>),
/// and what that cannot place to the fallback agent.
/// </summary>
public sealed class AgentRouter
{
    private readonly AgentCatalog _catalog;
    private readonly IReadOnlyList<IReadOnlyList<string>> _wakePhrases;

    public AgentRouter(AgentCatalog catalog, IOptions<ConversationOptions> options, ConfiguredWakePhrases wakePhrases)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(wakePhrases);
        _catalog = catalog;
        _wakePhrases = wakePhrases.Phrases
            .Select(p => TextNormalizer.Words(p))
            .Where(w => w.Count > 0)
            .OrderByDescending(w => w.Count)
            .ToArray();
        Fallback = options.Value.FallbackAgent is { Length: > 0 } name
            ? catalog.Find(name) ?? throw new InvalidOperationException($"Fallback agent '{name}' is not a known agent.")
            : catalog.Agents.FirstOrDefault(a => a.IsFallback);
    }

    /// <summary>The agent that answers what nothing else takes; null when there is none.</summary>
    public AgentDescriptor? Fallback { get; }

    /// <summary>The phrase route, or the fallback agent when no phrase fits (null without a fallback).</summary>
    public RouteDecision? Route(string transcript)
    {
        var (matched, text, wakeHeard) = MatchPhrase(transcript);
        return matched ?? (Fallback is null ? null : new RouteDecision(Fallback, text, new Dictionary<string, string>(), wakeHeard, new TurnRoute(TurnRoute.Fallback, "no phrase matched")));
    }

    /// <summary>The phrase route, or null with the utterance's words (wake phrase stripped) when no phrase fits.</summary>
    public (RouteDecision? Decision, string Text, bool WakeHeard) MatchPhrase(string transcript)
    {
        ArgumentNullException.ThrowIfNull(transcript);
        var words = TextNormalizer.Words(transcript);
        var wakeHeard = false;
        foreach (var wake in _wakePhrases)
        {
            if (words.Count >= wake.Count && words.Take(wake.Count).SequenceEqual(wake, StringComparer.Ordinal))
            {
                words = words.Skip(wake.Count).ToArray();
                wakeHeard = true;
                break;
            }
        }

        var text = string.Join(' ', words);
        PhraseMatch? best = null;
        AgentDescriptor? bestAgent = null;
        foreach (var agent in _catalog.Agents)
        {
            foreach (var phrase in agent.Phrases)
            {
                var match = phrase.Match(words);
                if (match is not null && (best is null || phrase.Literals.Count > best.Pattern.Literals.Count))
                {
                    best = match;
                    bestAgent = agent;
                }
            }
        }

        return bestAgent is null
            ? (null, text, wakeHeard)
            : (new RouteDecision(bestAgent, text, best!.Slots, wakeHeard, new TurnRoute(TurnRoute.Phrase, best.Pattern.Text)), text, wakeHeard);
    }

    /// <summary>The slots <paramref name="agent"/>'s best phrase captures from <paramref name="text"/>, or the whole text as <c>text</c>.</summary>
    public static IReadOnlyDictionary<string, string> SlotsFor(AgentDescriptor agent, string text)
    {
        ArgumentNullException.ThrowIfNull(agent);
        var words = TextNormalizer.Words(text);
        var match = agent.Phrases
            .Select(p => p.Match(words))
            .Where(m => m is not null)
            .OrderByDescending(m => m!.Pattern.Literals.Count)
            .FirstOrDefault();
        return match?.Slots ?? new Dictionary<string, string>();
    }
}
