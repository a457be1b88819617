using AudioOrchestrator.Archive;
using AudioOrchestrator.Contracts;
using AudioOrchestrator.Ingress.Events;
using AudioOrchestrator.Silo.Events;
using AudioOrchestrator.Silo.Security;
using Microsoft.AspNetCore.Mvc;

namespace AudioOrchestrator.Silo.Endpoints;

/// <summary>A session's live events as Server-Sent Events, resumable with <c>Last-Event-ID</c> (docs/session-events.md).</summary>
public static class SessionEventEndpoints
{
    /// <summary>Maps <c>GET {sessionId}/events</c> in the sessions group (<see cref="SessionEndpoints"/>: its tag and guild rule); needs <c>sessions:read</c>.</summary>
    public static RouteGroupBuilder MapSessionEventEndpoints(this RouteGroupBuilder sessions)
    {
        ArgumentNullException.ThrowIfNull(sessions);
        sessions.MapGet("/{sessionId}/events", StreamEventsAsync)
            .WithName("StreamSessionEvents")
            .WithSummary("The session's events as they happen (Server-Sent Events): speech, transcripts and routing, answer text, answers with timings, playback, committed turns.")
            .WithDescription(
                "Each event has an `event:` name and camelCase JSON `data:` (see docs/session-events.md). Committed turns come as `turn` events " +
                "with an `id:`; reconnecting with that id as `Last-Event-ID` (or `?lastEventId=`) first replays every turn committed after it, " +
                "then the live events, with no turn missing or repeated. A keep-alive comment is sent every 15 s (SessionEvents:KeepAliveSeconds); " +
                "a client that falls too far behind gets an `error` event and the stream ends.")
            .Produces<string>(StatusCodes.Status200OK, "text/event-stream")
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .RequireAuthorization(ApiPolicies.SessionsRead);
        return sessions;
    }

    private static async Task<IResult> StreamEventsAsync(
        string sessionId,
        [FromHeader(Name = "Last-Event-ID")] string? lastEventIdHeader,
        [FromQuery(Name = "lastEventId")] string? lastEventIdQuery,
        HttpContext context,
        SessionEventStreamer streamer)
    {
        if (!Identifiers.IsValid(sessionId))
        {
            return SessionEndpoints.InvalidId();
        }

        var lastEventId = string.IsNullOrWhiteSpace(lastEventIdHeader) ? lastEventIdQuery : lastEventIdHeader;
        TurnPosition? resumeAfter = null;
        if (!string.IsNullOrWhiteSpace(lastEventId) && !TurnEventId.TryParse(lastEventId.Trim(), out resumeAfter))
        {
            return TypedResults.Problem(
                "Last-Event-ID is the id of a `turn` event of this API, sent back unchanged.", statusCode: StatusCodes.Status400BadRequest, title: "Invalid Last-Event-ID");
        }

        await streamer.StreamAsync(context, sessionId, resumeAfter);
        return Results.Empty;
    }
}
