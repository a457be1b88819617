using System.Runtime.CompilerServices;
using AudioOrchestrator.Archive;
using AudioOrchestrator.Contracts;
using AudioOrchestrator.Ingress.Events;
using AudioOrchestrator.Ingress.Streams;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Options;

namespace AudioOrchestrator.Silo.Events;

/// <summary>
/// Serves <c>GET /api/v1/sessions/{id}/events</c>: listens to the session's output first, then (resuming) replays the
/// turns committed after the client's last one, from the archive and then from the session's recent history (turns
/// committed but not archived yet), then writes the live events; <see cref="SessionEventConnection"/> keeps every turn
/// once across the hand-over.
/// </summary>
public sealed partial class SessionEventStreamer(
    SessionOutputHub hub,
    IGrainFactory grains,
    ITurnArchive archive,
    SessionEventMapper mapper,
    IOptions<SessionEventOptions> options,
    TimeProvider clock,
    ILogger<SessionEventStreamer> logger)
{
    /// <summary>Streams the session's events to the response until the client goes away or falls behind.</summary>
    public async Task StreamAsync(HttpContext context, string sessionId, TurnPosition? resumeAfter)
    {
        ArgumentNullException.ThrowIfNull(context);
        var aborted = context.RequestAborted;
        await using var connection = new SessionEventConnection(sessionId, mapper, options.Value, clock, resumeAfter);
        IAsyncDisposable listening;
        try
        {
            listening = await hub.ListenAsync(sessionId, connection.OfferAsync, aborted);
        }
        catch (OperationCanceledException) when (aborted.IsCancellationRequested)
        {
            return;
        }

        await using (listening)
        {
            var response = context.Response;
            response.ContentType = "text/event-stream";
            response.Headers.CacheControl = "no-cache";
            response.Headers["X-Accel-Buffering"] = "no";
            context.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();
            LogOpened(logger, sessionId, resumeAfter is null ? "-" : TurnEventId.Format(resumeAfter));
            var replay = resumeAfter is null ? null : ReplayAsync(sessionId, resumeAfter, aborted);
            var clean = await connection.RunAsync(response.Body, replay, aborted);
            if (connection.Overflowed)
            {
                LogOverflow(logger, sessionId, options.Value.BufferEvents);
            }

            if (!clean)
            {
                context.Abort();
            }
        }
    }

    /// <summary>The turns committed after <paramref name="after"/>: archived ones page by page, then the session's recent history.</summary>
    private async IAsyncEnumerable<ArchivedTurn> ReplayAsync(string sessionId, TurnPosition after, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        string? cursor = null;
        do
        {
            var page = await archive.GetTurnsAsync(sessionId, new TurnQuery(Limit: ArchiveLimits.MaxLimit, Cursor: cursor, After: after), cancellationToken);
            foreach (var turn in page.Items)
            {
                yield return turn;
            }

            cursor = page.NextCursor;
        }
        while (cursor is not null);

        var session = grains.GetGrain<IConversationGrain>(sessionId);
        if (await session.GetSnapshotAsync() is not { } snapshot)
        {
            yield break;
        }

        var guildId = (await session.GetProfileAsync()).GuildId;
        var recent = snapshot.History
            .Select(t => ArchivedTurn.FromConversationTurn(sessionId, guildId, t))
            .OrderBy(t => t.CommittedAt)
            .ThenBy(t => t.TurnId, StringComparer.Ordinal);
        foreach (var turn in recent)
        {
            yield return turn; // the connection skips those the archive had
        }
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Session {SessionId}: events stream opened (resuming after {LastEventId})")]
    private static partial void LogOpened(ILogger logger, string sessionId, string lastEventId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Session {SessionId}: an events client fell more than {BufferEvents} events behind and was dropped")]
    private static partial void LogOverflow(ILogger logger, string sessionId, int bufferEvents);
}
