using Microsoft.Extensions.Options;

namespace AudioOrchestrator.Grains.Routing;

/// <summary>One intent class: its name, the agent it goes to, and how the classifier is told about it.</summary>
public sealed record IntentClass(string Name, AgentDescriptor Agent, string Description);

/// <summary>
/// The intent classes free speech is sorted into (<c>Intent:Classes</c>, or one per agent plus <c>general</c> for the
/// fallback agent). An unknown agent in the map stops the silo at start-up.
/// </summary>
public sealed class IntentClasses
{
    /// <summary>The class of everything no other class takes.</summary>
    public const string General = "general";

    public IntentClasses(AgentCatalog catalog, AgentRouter router, IOptions<IntentOptions> options)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentNullException.ThrowIfNull(router);
        ArgumentNullException.ThrowIfNull(options);
        var classes = new List<IntentClass>();
        if (options.Value.Classes.Count > 0)
        {
            foreach (var (name, agentName) in options.Value.Classes)
            {
                var agent = catalog.Find(agentName)
                    ?? throw new InvalidOperationException($"Intent:Classes:{name} names agent '{agentName}', which does not exist (agents: {string.Join(", ", catalog.Agents.Select(a => a.Name))}).");
                classes.Add(new IntentClass(name.ToLowerInvariant(), agent, Describe(agent, router)));
            }
        }
        else
        {
            classes.AddRange(catalog.Agents.Where(a => a != router.Fallback).Select(a => new IntentClass(a.Name, a, Describe(a, router))));
            if (router.Fallback is { } fallback)
            {
                classes.Add(new IntentClass(General, fallback, Describe(fallback, router)));
            }
        }

        All = classes;
    }

    public IReadOnlyList<IntentClass> All { get; }

    public IntentClass? Find(string name) => All.FirstOrDefault(c => string.Equals(c.Name, name, StringComparison.OrdinalIgnoreCase));

    private static string Describe(AgentDescriptor agent, AgentRouter router) =>
        agent == router.Fallback
            ? "anything else: questions, requests and conversation"
            : agent.Description is { Length: > 0 } description ? description : $"what the {agent.Name} agent does";
}
