using System.Security.Claims;
using AudioOrchestrator.Archive;
using AudioOrchestrator.Archive.AnswerAudio;
using AudioOrchestrator.Contracts;
using AudioOrchestrator.Ingress.Live;
using AudioOrchestrator.Ingress.Uploads;
using AudioOrchestrator.Silo.Security;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace AudioOrchestrator.Silo.Endpoints;

/// <summary>
/// Sessions over REST: the archive (every session and turn, paged), a session's context and recent window of turns,
/// its live events (<see cref="SessionEventEndpoints"/>) and minutes (<see cref="SessionTranscriptEndpoints"/>), live voice
/// (<see cref="LiveVoiceEndpoints"/>), and forgetting them.
/// </summary>
public static class SessionEndpoints
{
    public static IEndpointRouteBuilder MapSessionEndpoints(this IEndpointRouteBuilder app)
    {
        var sessions = app.MapGroup("/api/v1/sessions").WithTags("Sessions").RequireSessionAccess().RefuseUnknownQueryParameters();
        sessions.MapGet("/", ListSessionsAsync)
            .WithName("ListSessions")
            .WithSummary("Archived sessions, newest activity first, with turn counts; filtered, searched (q) and paged (cursor).")
            .WithDescription("A key restricted to guilds lists only their sessions (a guildId outside them gives an empty page).")
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .RequireAuthorization(ApiPolicies.SessionsRead);
        sessions.MapGet("/{sessionId}/turns", ListTurnsAsync)
            .WithName("ListSessionTurns")
            .WithSummary("A session's whole archived history, paged (cursor), oldest (order=oldest) or newest first; responseAudioUrl while a turn's spoken answer is kept.")
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .RequireAuthorization(ApiPolicies.SessionsRead);
        sessions.MapGet("/{sessionId}", GetSessionAsync)
            .WithName("GetSession")
            .WithSummary("A session's context and its recent window of turns (Conversation:MaxHistoryTurns, oldest first).")
            .WithDescription("history holds only the recent turns the session keeps in its state (what agents and the running summary work from); "
                + "every turn is in the archive: GET /api/v1/sessions/{sessionId}/turns. context.turnCount counts every turn of the session.")
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .RequireAuthorization(ApiPolicies.SessionsRead);
        sessions.MapDelete("/{sessionId}", DeleteSessionAsync)
            .WithName("DeleteSession")
            .WithSummary("Forgets a session: its context, recent window and archived turns.")
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .RequireAuthorization(ApiPolicies.Admin);
        sessions.MapSessionEventEndpoints();
        sessions.MapSessionTranscriptEndpoints();
        sessions.MapLiveVoiceEndpoint()
            .RequireAuthorization(ApiPolicies.SessionsWrite)
            .ChecksItsOwnQueryParameters();
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

    private static async Task<Results<Ok<ArchivePage<SessionSummary>>, ProblemHttpResult>> ListSessionsAsync(
        ITurnArchive archive,
        ClaimsPrincipal user,
        string? guildId,
        string? speakerId,
        string? agent,
        DateTimeOffset? since,
        DateTimeOffset? until,
        string? q,
        int? limit,
        string? cursor,
        CancellationToken cancellationToken)
    {
        if (BadPaging(limit, since, until) is { } bad)
        {
            return bad;
        }

        try
        {
            return TypedResults.Ok(await archive.ListSessionsAsync(new SessionQuery(guildId, speakerId, agent, since, until, q, limit, cursor, user.RestrictedGuilds()), cancellationToken));
        }
        catch (ArgumentException ex)
        {
            return BadQuery(ex);
        }
    }

    private static async Task<Results<Ok<ArchivePage<ArchivedTurn>>, ProblemHttpResult>> ListTurnsAsync(
        string sessionId,
        ITurnArchive archive,
        [FromServices] IAnswerAudioStore answerAudio,
        HttpRequest request,
        string? order,
        DateTimeOffset? since,
        int? limit,
        string? cursor,
        CancellationToken cancellationToken)
    {
        if (!Identifiers.IsValid(sessionId))
        {
            return InvalidId();
        }

        var turnOrder = order?.ToLowerInvariant() switch
        {
            null or "" or "oldest" => TurnOrder.OldestFirst,
            "newest" => TurnOrder.NewestFirst,
            _ => (TurnOrder?)null,
        };
        if (turnOrder is null)
        {
            return TypedResults.Problem("order is 'oldest' (the default) or 'newest'.", statusCode: StatusCodes.Status400BadRequest, title: "Invalid order");
        }

        if (BadPaging(limit, since, until: null) is { } bad)
        {
            return bad;
        }

        ArchivePage<ArchivedTurn> page;
        try
        {
            page = await archive.GetTurnsAsync(sessionId, new TurnQuery(turnOrder.Value, since, limit, cursor), cancellationToken);
        }
        catch (ArgumentException ex)
        {
            return BadQuery(ex);
        }

        return TypedResults.Ok(await WithAnswerAudioUrlsAsync(page, sessionId, answerAudio, request, cancellationToken));
    }

    /// <summary>Adds <see cref="ArchivedTurn.ResponseAudioUrl"/> to the turns whose referenced answer audio is still kept (one look-up per page).</summary>
    private static async Task<ArchivePage<ArchivedTurn>> WithAnswerAudioUrlsAsync(
        ArchivePage<ArchivedTurn> page, string sessionId, IAnswerAudioStore answerAudio, HttpRequest request, CancellationToken cancellationToken)
    {
        var referenced = page.Items
            .Where(t => AnswerAudioKey.IsRefOf(t.AnswerAudioRef, sessionId, t.TurnId) && Identifiers.IsValid(t.TurnId))
            .Select(t => t.TurnId)
            .ToList();
        if (referenced.Count == 0)
        {
            return page;
        }

        var kept = await answerAudio.FindKeptAsync(sessionId, referenced, cancellationToken);
        return kept.Count == 0
            ? page
            : page with
            {
                Items = [.. page.Items.Select(t => kept.Contains(t.TurnId) ? t with { ResponseAudioUrl = AnswerAudioUrls.For(request, sessionId, t.TurnId) } : t)],
            };
    }

    private static ProblemHttpResult? BadPaging(int? limit, DateTimeOffset? since, DateTimeOffset? until) =>
        limit is < 1
            ? TypedResults.Problem($"limit is at least 1 (at most {ArchiveLimits.MaxLimit} are returned).", statusCode: StatusCodes.Status400BadRequest, title: "Invalid limit")
            : since is { } from && until is { } to && to <= from
                ? TypedResults.Problem("until must be after since.", statusCode: StatusCodes.Status400BadRequest, title: "Invalid time range")
                : null;

    private static ProblemHttpResult BadQuery(ArgumentException ex) =>
        TypedResults.Problem(ex.Message, statusCode: StatusCodes.Status400BadRequest, title: ex is InvalidArchiveCursorException ? "Invalid cursor" : "Invalid query");

    /// <summary>400 for a session id that is not one (the same answer from every session endpoint).</summary>
    internal static ProblemHttpResult InvalidId() => TypedResults.Problem(
        "Session ids are 1-128 characters of letters, digits, '-', '_', '.' or ':'.", statusCode: StatusCodes.Status400BadRequest, title: "Invalid session id");

    private static ProblemHttpResult Unknown(string sessionId) => TypedResults.Problem(
        $"No session '{sessionId}'.", statusCode: StatusCodes.Status404NotFound, title: "Unknown session");
}
