using System.Reflection;
using AudioOrchestrator.Contracts;
using AudioOrchestrator.Grains.Agents;
using Microsoft.Extensions.Options;
using Orleans.Concurrency;
using Orleans.Configuration;

namespace AudioOrchestrator.Grains.Routing;

/// <summary>
/// Every agent grain class the silo knows (classes implementing <see cref="IAgentGrain"/> and marked with
/// <see cref="AgentAttribute"/>), discovered from Orleans' grain type manifest: no hand registration.
/// </summary>
/// <remarks>
/// Agents stream their answers from one activation per silo (<c>[StatelessWorker(1, removeIdleWorkers: false)]</c>, see
/// <see cref="IAgentGrain"/>); a class placed otherwise stops the silo at start-up with the fix in the message.
/// The summarization agent's phrases come from <c>Summary:TriggerPhrases</c> when that is set.
/// </remarks>
public sealed class AgentCatalog
{
    public AgentCatalog(IOptions<GrainTypeOptions> grainTypes, IOptions<SummaryOptions> summary)
        : this(
            grainTypes?.Value.Classes ?? throw new ArgumentNullException(nameof(grainTypes)),
            summary?.Value.TriggerPhrases ?? throw new ArgumentNullException(nameof(summary)))
    {
    }

    private AgentCatalog(IEnumerable<Type> grainClasses, IList<string> summaryPhrases)
    {
        ArgumentNullException.ThrowIfNull(grainClasses);
        var agents = new List<AgentDescriptor>();
        foreach (var type in grainClasses.Where(t => !t.IsAbstract && typeof(IAgentGrain).IsAssignableFrom(t)))
        {
            var attribute = type.GetCustomAttribute<AgentAttribute>();
            if (attribute is null)
            {
                continue;
            }

            RequireStreamingPlacement(type);
            var phrases = attribute.Name == SummarizationAgent.Name && summaryPhrases.Count > 0 ? [.. summaryPhrases] : attribute.Phrases;
            agents.Add(new AgentDescriptor(
                attribute.Name,
                attribute.Description,
                type,
                phrases.Select(PhrasePattern.Parse).ToArray(),
                attribute.IsFallback,
                attribute.UsesLanguageModel,
                attribute.Keywords));
        }

        var duplicate = agents.GroupBy(a => a.Name, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
        {
            throw new InvalidOperationException(
                $"Two agent grains are named '{duplicate.Key}': {string.Join(", ", duplicate.Select(a => a.GrainClass.FullName))}.");
        }

        Agents = agents.OrderBy(a => a.Name, StringComparer.Ordinal).ToArray();
    }

    public IReadOnlyList<AgentDescriptor> Agents { get; }

    /// <summary>A catalog of the given grain classes (for tools and tests).</summary>
    public static AgentCatalog FromClasses(IEnumerable<Type> grainClasses, IList<string>? summaryPhrases = null) => new(grainClasses, summaryPhrases ?? []);

    /// <summary>
    /// Throws unless <paramref name="grainClass"/> is marked <c>[StatelessWorker(1, removeIdleWorkers: false)]</c> (the
    /// placement type is internal to Orleans: its settings are read by name).
    /// </summary>
    public static void RequireStreamingPlacement(Type grainClass)
    {
        ArgumentNullException.ThrowIfNull(grainClass);
        var placement = grainClass.GetCustomAttribute<StatelessWorkerAttribute>()?.PlacementStrategy;
        var kind = placement?.GetType();
        if (kind?.GetProperty("MaxLocal")?.GetValue(placement) is not 1 || kind.GetProperty("RemoveIdleWorkers")?.GetValue(placement) is not false)
        {
            throw new InvalidOperationException(
                $"Agent grain {grainClass.FullName} must be marked [StatelessWorker(1, removeIdleWorkers: false)]: an answer is streamed from "
                + "the activation that started it, and with several activations per silo a later part of the stream can reach another one.");
        }
    }

    public AgentDescriptor? Find(string name) =>
        Agents.FirstOrDefault(a => string.Equals(a.Name, name, StringComparison.Ordinal));
}
