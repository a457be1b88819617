using System.Reflection;
using AudioOrchestrator.Contracts;
using Microsoft.Extensions.Options;
using Orleans.Configuration;

namespace AudioOrchestrator.Grains.Routing;

/// <summary>
/// Every agent grain class the silo knows (classes implementing <see cref="IAgentGrain"/> and marked with
/// <see cref="AgentAttribute"/>), discovered from Orleans' grain type manifest: no hand registration.
/// </summary>
public sealed class AgentCatalog
{
    public AgentCatalog(IOptions<GrainTypeOptions> grainTypes)
        : this(grainTypes?.Value.Classes ?? throw new ArgumentNullException(nameof(grainTypes)), discovered: true)
    {
    }

    private AgentCatalog(IEnumerable<Type> grainClasses, bool discovered)
    {
        _ = discovered;
        ArgumentNullException.ThrowIfNull(grainClasses);
        var agents = new List<AgentDescriptor>();
        foreach (var type in grainClasses.Where(t => !t.IsAbstract && typeof(IAgentGrain).IsAssignableFrom(t)))
        {
            var attribute = type.GetCustomAttribute<AgentAttribute>();
            if (attribute is null)
            {
                continue;
            }

            agents.Add(new AgentDescriptor(
                attribute.Name,
                attribute.Description,
                type,
                attribute.Phrases.Select(PhrasePattern.Parse).ToArray(),
                attribute.IsFallback));
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
    public static AgentCatalog FromClasses(IEnumerable<Type> grainClasses) => new(grainClasses, discovered: true);

    public AgentDescriptor? Find(string name) =>
        Agents.FirstOrDefault(a => string.Equals(a.Name, name, StringComparison.Ordinal));
}
