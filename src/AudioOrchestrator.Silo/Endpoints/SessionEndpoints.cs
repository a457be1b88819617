using AudioOrchestrator.Contracts;
using Microsoft.AspNetCore.Http.HttpResults;

namespace AudioOrchestrator.Silo.Endpoints;

/// <summary>Sessions over REST: context and history, and forgetting them.</summary>
public static class SessionEndpoints
{
    public static IEndpointRouteBuilder MapSessionEndpoints(this IEndpointRouteBuilder app)
    {
        var sessions = app.MapGroup("/api/v1/sessions").WithTags("Sessions");
        sessions.MapGet("/{sessionId}", GetSessionAsync)
            .WithName("GetSession")
            .WithSummary("A session's context and history of turns.")
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status404NotFound);
        sessions.MapDelete("/{sessionId}", DeleteSessionAsync)
            .WithName("DeleteSession")
            .WithSummary("Forgets a session's context and history.")
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status404NotFound);
        return app;
    }

    private static async Task<Results<Ok<SessionSnapshot>, ProblemHttpResult>> GetSessionAsync(string sessionId, IGrainFactory grains)
    {
        if (!Identifiers.IsValid(sessionId))
        {
            return InvalidId();
        }

        var snapshot = await grains.GetGrain<IConversationGrain>(sessionId).GetSnapshotAsync();
        return snapshot is null ? Unknown(sessionId) : TypedResults.Ok(snapshot);
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> DeleteSessionAsync(string sessionId, IGrainFactory grains)
    {
        if (!Identifiers.IsValid(sessionId))
        {
            return InvalidId();
        }

        var grain = grains.GetGrain<IConversationGrain>(sessionId);
        if (await grain.GetSnapshotAsync() is null)
        {
            return Unknown(sessionId);
        }

        await grain.DeleteAsync();
        return TypedResults.NoContent();
    }

    private static ProblemHttpResult InvalidId() => TypedResults.Problem(
        "Session ids are 1-128 characters of letters, digits, '-', '_', '.' or ':'.", statusCode: StatusCodes.Status400BadRequest, title: "Invalid session id");

    private static ProblemHttpResult Unknown(string sessionId) => TypedResults.Problem(
        $"No session '{sessionId}'.", statusCode: StatusCodes.Status404NotFound, title: "Unknown session");
}
