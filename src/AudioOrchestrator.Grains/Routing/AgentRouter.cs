using Microsoft.Extensions.Options;

namespace AudioOrchestrator.Grains.Routing;

/// <summary>The agent chosen for an utterance and what its phrase captured.</summary>
public sealed record RouteDecision(AgentDescriptor Agent, string Text, IReadOnlyDictionary<string, string> Slots, bool WakePhraseHeard);

/// <summary>
/// Picks the agent for a transcript: strips a leading wake phrase, then takes the phrase with the most
/// literal words that fits the whole utterance; when none fits, the fallback agent answers.
/// </summary>
public sealed class AgentRouter
{
    private readonly AgentCatalog _catalog;
    private readonly IReadOnlyList<IReadOnlyList<string>> _wakePhrases;
    private readonly AgentDescriptor? _fallback;

    public AgentRouter(AgentCatalog catalog, IOptions<ConversationOptions> options)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentNullException.ThrowIfNull(options);
        _catalog = catalog;
        _wakePhrases = options.Value.WakePhrases
            .Select(p => TextNormalizer.Words(p))
            .Where(w => w.Count > 0)
            .OrderByDescending(w => w.Count)
            .ToArray();
        _fallback = options.Value.FallbackAgent is { Length: > 0 } name
            ? catalog.Find(name) ?? throw new InvalidOperationException($"Fallback agent '{name}' is not a known agent.")
            : catalog.Agents.FirstOrDefault(a => a.IsFallback);
    }

    public RouteDecision? Route(string transcript)
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

        if (bestAgent is not null)
        {
            return new RouteDecision(bestAgent, text, best!.Slots, wakeHeard);
        }

        return _fallback is null ? null : new RouteDecision(_fallback, text, new Dictionary<string, string>(), wakeHeard);
    }
}
