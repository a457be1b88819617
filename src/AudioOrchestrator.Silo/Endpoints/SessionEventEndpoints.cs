using AudioOrchestrator.Archive;
using AudioOrchestrator.Contracts;
using AudioOrchestrator.Silo.Events;
using Microsoft.AspNetCore.Mvc;

namespace AudioOrchestrator.Silo.Endpoints;

/// <summary>A session's live events as Server-Sent Events, resumable with <c>Last-Event-ID</c> (docs/session-events.md).</summary>
public static class SessionEventEndpoints
{
    /// <summary>Maps <c>GET /api/v1/sessions/{sessionId}/events</c>; returns its group (for policies such as authorization).</summary>
    public static RouteGroupBuilder MapSessionEventEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1/sessions").WithTags("Sessions");
        group.MapGet("/{sessionId}/events", StreamEventsAsync)
            .WithName("StreamSessionEvents")
            .WithSummary("The session's events as they happen (Server-Sent Events): speech, transcripts and routing, answer text, answers with timings, playback, committed turns.")
            .WithDescription(
                "Each event has an `event:` name and camelCase JSON `data:` (see docs/session-events.md). Committed turns come as `turn` events " +
                "with an `id:`; reconnecting with that id as `Last-Event-ID` (or `?lastEventId=`) first replays every turn committed after it, " +
                "then the live events, with no turn missing or repeated. A keep-alive comment is sent every 15 s (SessionEvents:KeepAliveSeconds); " +
                "a client that falls too far behind gets an `error` event and the stream ends.")
            .Produces<string>(StatusCodes.Status200OK, "text/event-stream")
            .ProducesProblem(StatusCodes.Status400BadRequest);
        return group;
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
            return TypedResults.Problem(
                "Session ids are 1-128 characters of letters, digits, '-', '_', '.' or ':'.", statusCode: StatusCodes.Status400BadRequest, title: "Invalid session id");
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
