using AudioOrchestrator.Contracts;
using AudioOrchestrator.Grains.Routing;
using Orleans.Concurrency;

namespace AudioOrchestrator.Grains.Agents;

/// <summary>Lists what the assistant can do.</summary>
[StatelessWorker(1, removeIdleWorkers: false)]
[Agent("help", "help", "what can you do", "help me", Description = "Lists what I can do.")]
public sealed class HelpAgentGrain(AgentCatalog catalog) : Grain, IAgentGrain
{
    public IAsyncEnumerable<AgentUpdate> RespondAsync(AgentRequest request, CancellationToken cancellationToken = default) =>
        AgentAnswers.Say("I am your voice assistant." + Capabilities.Offer(catalog));
}

/// <summary>What the assistant can do, said as examples of its agents' phrases.</summary>
public static class Capabilities
{
    /// <summary>" You can say: echo something, or what time is it, ..." (empty without agents to offer).</summary>
    public static string Offer(AgentCatalog catalog)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        var examples = catalog.Agents
            .Where(a => a.Name != "help" && !a.IsFallback && a.Phrases.Count > 0)
            .Select(a => Example(a.Phrases[0]))
            .ToArray();
        return examples.Length == 0 ? "" : $" You can say: {string.Join(", or ", examples)}.";
    }

    private static string Example(PhrasePattern phrase) =>
        phrase.SlotName is null ? string.Join(' ', phrase.Literals) : $"{string.Join(' ', phrase.Literals)} something";
}
