using System.Net.WebSockets;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Logging;

namespace AudioOrchestrator.Ingress.Live;

/// <summary><c>GET /api/v1/sessions/{sessionId}/live</c>: the live voice WebSocket (docs/live-voice.md).</summary>
public static partial class LiveVoiceEndpoints
{
    /// <summary>
    /// Maps <c>{sessionId}/live</c> in the sessions group (its tag and guild rule); the caller adds the authorization
    /// policy. The endpoint checks its own query (a refused one closes the socket with 1008 and a reason).
    /// </summary>
    public static RouteHandlerBuilder MapLiveVoiceEndpoint(this RouteGroupBuilder sessions)
    {
        ArgumentNullException.ThrowIfNull(sessions);
        return sessions.MapGet("/{sessionId}/live", ServeAsync)
            .WithName("LiveVoice")
            .WithSummary("Live voice over a WebSocket: speak as a speaker of the session and hear its answers, with its events as JSON text messages.")
            .WithDescription(
                "A WebSocket upgrade with subprotocol `pcm16` (16-bit little-endian mono PCM at 16 kHz, both ways) or `opus` (one 48 kHz mono " +
                "20 ms Opus packet per binary message, both ways). Query: `speaker` (required), `wake=required|off`. Text messages from the " +
                "server are the session's events as `{\"event\", \"data\"}` (the data as on the events endpoint), first `ready`. A bad session id, " +
                "speaker, subprotocol or query is accepted and closed with a close code and reason (see docs/live-voice.md). Not a WebSocket " +
                "request: 400.")
            .Produces(StatusCodes.Status101SwitchingProtocols)
            .ProducesProblem(StatusCodes.Status400BadRequest);
    }

    private static async Task<IResult> ServeAsync(string sessionId, HttpContext context, LiveVoiceServices services)
    {
        if (!context.WebSockets.IsWebSocketRequest)
        {
            return TypedResults.Problem(
                "This endpoint is a WebSocket (ws:// or wss:// with subprotocol pcm16 or opus); see docs/live-voice.md.",
                statusCode: StatusCodes.Status400BadRequest,
                title: "Not a WebSocket request");
        }

        var format = LiveVoiceRequest.ChooseFormat(context.WebSockets.WebSocketRequestedProtocols);
        using var socket = await context.WebSockets.AcceptWebSocketAsync(new WebSocketAcceptContext { SubProtocol = format?.Name });
        var aborted = context.RequestAborted;
        var logger = services.Loggers.CreateLogger(typeof(LiveVoiceEndpoints));
        var (request, refusal) = LiveVoiceRequest.Parse(sessionId, context.Request.Query, format);
        IDisposable? lease = null;
        if (request is not null)
        {
            refusal = services.Registry.TryAdd(request.Speaker, out lease);
        }

        services.Metrics.Opened();
        if (refusal is not null || request is null)
        {
            LogRefused(logger, sessionId, (int)refusal!.Status, refusal.Reason);
            await RefuseAsync(socket, refusal, services, aborted);
            services.Metrics.Closed(refusal.Code);
            return Results.Empty;
        }

        using (lease)
        {
            var reason = await new LiveVoiceConnection(socket, request, services).RunAsync(aborted);
            services.Metrics.Closed(reason);
        }

        return Results.Empty;
    }

    /// <summary>Closes a socket that is refused: the <c>error</c> event, then the close frame; waits (briefly) for the client's close.</summary>
    private static async Task RefuseAsync(WebSocket socket, LiveClose refusal, LiveVoiceServices services, CancellationToken aborted)
    {
        var timeout = services.Options.Value.SendTimeout;
        using var deadline = new CancellationTokenSource(timeout, services.Time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(deadline.Token, aborted);
        try
        {
            await socket.SendAsync(services.Events.Error(refusal), WebSocketMessageType.Text, endOfMessage: true, linked.Token);
            await socket.CloseAsync(refusal.Status, refusal.FrameReason, linked.Token);
        }
        catch (Exception ex) when (ex is OperationCanceledException or WebSocketException)
        {
            socket.Abort();
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Live socket for session {SessionId} refused with {Status}: {Reason}")]
    private static partial void LogRefused(ILogger logger, string sessionId, int status, string reason);
}
