using AudioOrchestrator.Grains.Routing;
using AudioOrchestrator.Silo.Security;
using AudioOrchestrator.Speech;

namespace AudioOrchestrator.Silo.Endpoints;

/// <summary>The agents this service found, with their phrases and the language model behind each.</summary>
public static class AgentEndpoints
{
    /// <summary>An agent as the API shows it.</summary>
    /// <param name="Name">Its unique name.</param>
    /// <param name="Description">What it does.</param>
    /// <param name="Phrases">Phrases that route to it.</param>
    /// <param name="IsFallback">It answers what no phrase and no intent takes.</param>
    /// <param name="UsesLanguageModel">It answers with a language model when one is configured.</param>
    /// <param name="Model">The model behind it; null when it answers without one.</param>
    public sealed record AgentInfo(string Name, string Description, IReadOnlyList<string> Phrases, bool IsFallback, bool UsesLanguageModel, LanguageModelDescription? Model);

    public static IEndpointRouteBuilder MapAgentEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/v1/agents", (AgentCatalog catalog, ILanguageModels models) => TypedResults.Ok(
                catalog.Agents.Select(a => new AgentInfo(
                    a.Name,
                    a.Description,
                    a.Phrases.Select(p => p.Text).ToArray(),
                    a.IsFallback,
                    a.UsesLanguageModel,
                    a.UsesLanguageModel ? models.Describe(a.Name) : null)).ToArray()))
            .WithTags("Agents")
            .WithName("ListAgents")
            .WithSummary("Agents, the phrases that route to them, and the language model behind each.")
            .RequireAuthorization(ApiPolicies.SessionsRead);
        return app;
    }
}
