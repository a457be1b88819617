using AudioOrchestrator.Contracts;
using AudioOrchestrator.Silo.Security;
using AudioOrchestrator.Silo.Transcripts;

namespace AudioOrchestrator.Silo.Endpoints;

/// <summary>A session's minutes from the archive: Markdown or JSON by content negotiation (or <c>?format=</c>).</summary>
public static class SessionTranscriptEndpoints
{
    /// <summary>Maps <c>GET {sessionId}/transcript</c> in the sessions group (<see cref="SessionEndpoints"/>: its tag and guild rule); needs <c>sessions:read</c>.</summary>
    public static RouteGroupBuilder MapSessionTranscriptEndpoints(this RouteGroupBuilder sessions)
    {
        ArgumentNullException.ThrowIfNull(sessions);
        sessions.MapGet("/{sessionId}/transcript", GetTranscriptAsync)
            .WithName("GetSessionTranscript")
            .WithSummary("The minutes of a session (every archived turn: time, speaker, what was said, agent, answer), as Markdown or JSON.")
            .WithDescription(
                "`Accept: text/markdown` gives Markdown; `application/json`, `*/*` or no Accept gives JSON (`sessionId`, `guildId`, `turns` as " +
                "`GET /api/v1/sessions/{sessionId}/turns` items, oldest first). `?format=markdown|json` overrides Accept.")
            .Produces<SessionTranscript>(StatusCodes.Status200OK, TranscriptFormats.JsonMediaType) // text/markdown is added by SessionOpenApiExamples
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status406NotAcceptable)
            .RequireAuthorization(ApiPolicies.SessionsRead);
        return sessions;
    }

    private static async Task<IResult> GetTranscriptAsync(string sessionId, string? format, HttpContext context, SessionTranscriptWriter transcripts)
    {
        if (!Identifiers.IsValid(sessionId))
        {
            return SessionEndpoints.InvalidId();
        }

        TranscriptFormat chosen;
        if (format is not null)
        {
            if (TranscriptFormats.FromQuery(format) is not { } asked)
            {
                return TypedResults.Problem("format is 'markdown' or 'json'.", statusCode: StatusCodes.Status400BadRequest, title: "Invalid format");
            }

            chosen = asked;
        }
        else if (TranscriptFormats.Negotiate(context.Request.Headers.Accept) is { } negotiated)
        {
            chosen = negotiated;
        }
        else
        {
            return TypedResults.Problem(
                $"The transcript is {TranscriptFormats.MarkdownMediaType} or {TranscriptFormats.JsonMediaType} (or ?format=markdown|json).",
                statusCode: StatusCodes.Status406NotAcceptable,
                title: "Not acceptable");
        }

        var cancellationToken = context.RequestAborted;
        var first = await transcripts.FirstPageAsync(sessionId, cancellationToken);
        if (first.Items.Count == 0)
        {
            return TypedResults.Problem($"No archived turns of session '{sessionId}'.", statusCode: StatusCodes.Status404NotFound, title: "Unknown session");
        }

        await transcripts.WriteAsync(context.Response, sessionId, chosen, first, cancellationToken);
        return Results.Empty;
    }
}
