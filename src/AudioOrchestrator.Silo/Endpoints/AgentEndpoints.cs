using AudioOrchestrator.Grains.Routing;

namespace AudioOrchestrator.Silo.Endpoints;

/// <summary>The agents this service found, with their phrases.</summary>
public static class AgentEndpoints
{
    public sealed record AgentInfo(string Name, string Description, IReadOnlyList<string> Phrases, bool IsFallback);

    public static IEndpointRouteBuilder MapAgentEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/v1/agents", (AgentCatalog catalog) => TypedResults.Ok(
                catalog.Agents.Select(a => new AgentInfo(a.Name, a.Description, a.Phrases.Select(p => p.Text).ToArray(), a.IsFallback)).ToArray()))
            .WithTags("Agents")
            .WithName("ListAgents")
            .WithSummary("Agents and the phrases that route to them.");
        return app;
    }
}
