using System.Diagnostics;
using AudioOrchestrator.Contracts;
using AudioOrchestrator.Ingress.Uploads;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Options;

namespace AudioOrchestrator.Ingress.Text;

/// <summary>
/// REST text turns: <c>POST /api/v1/sessions/{sessionId}/messages</c> asks in writing and answers as JSON, or as
/// Server-Sent Events (<c>started</c>, <c>delta</c>..., then <c>completed</c> or <c>failed</c>) when the client
/// accepts <c>text/event-stream</c>.
/// </summary>
public static class TextMessageEndpoints
{
    private const string EventStream = "text/event-stream";

    public static IEndpointRouteBuilder MapTextMessageEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGroup("/api/v1/sessions").WithTags("Messages")
            .MapPost("/{sessionId}/messages", PostMessageAsync)
            .WithName("PostMessage")
            .WithSummary("Ask in writing: the answer as JSON, or streamed as Server-Sent Events with Accept: text/event-stream.")
            .WithDescription("The text is a turn of the session like a spoken one (routing, agents, history, context, tools), recorded with source 'text'. "
                + "With speak: true the answer is also synthesised: downloadable from responseAudioUrl and played where the session is heard (a Discord voice channel). "
                + "Server-Sent Events: 'started' (turnId, agent, route), 'delta' (text, as the agent produces it), then 'completed' (the JSON answer) or 'failed' (problem details).")
            .Accepts<TextMessageRequest>("application/json")
            .Produces<TextMessageResponse>(StatusCodes.Status200OK, "application/json", EventStream)
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType)
            .ProducesProblem(StatusCodes.Status502BadGateway)
            .ProducesProblem(StatusCodes.Status504GatewayTimeout)
            .DisableAntiforgery();
        return app;
    }

    private static async Task<IResult> PostMessageAsync(
        string sessionId,
        HttpRequest request,
        TextTurnSender sender,
        [Microsoft.AspNetCore.Mvc.FromServices] AnswerAudioKeeper answers,
        IOptions<IngressOptions> options,
        IOptions<JsonOptions> json,
        CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        if (!Identifiers.IsValid(sessionId))
        {
            return Problem(StatusCodes.Status400BadRequest, "Invalid session id", "Session ids are 1-128 characters of letters, digits, '-', '_', '.' or ':'.");
        }

        if (!request.HasJsonContentType())
        {
            return Problem(StatusCodes.Status415UnsupportedMediaType, "Unsupported media type",
                $"Send the message as Content-Type application/json, not '{request.ContentType ?? "(none)"}'.");
        }

        var limits = options.Value;
        var bodyLimit = TextMessageReader.BodyLimit(limits.MaxTextCharacters);
        if (request.ContentLength > bodyLimit)
        {
            return TooLarge(bodyLimit);
        }

        var read = await TextMessageReader.ReadAsync(request.Body, bodyLimit, limits.MaxTextCharacters, json.Value.SerializerOptions, cancellationToken);
        if (read.TooLarge)
        {
            return TooLarge(bodyLimit);
        }

        if (read.Error is { } error)
        {
            return Problem(StatusCodes.Status400BadRequest, error.Title, error.Detail);
        }

        var message = read.Message!;
        var question = new TextQuestion(sessionId, message.Speaker ?? "rest", message.Text!, message.Speak, "text-" + Guid.CreateVersion7().ToString("N"));
        var exchange = new TextAnswerExchange(question, sender, answers, limits.TurnTimeout, request, started);
        if (AcceptsEventStream(request))
        {
            return TypedResults.ServerSentEvents(exchange.StreamAsync(cancellationToken));
        }

        var outcome = await exchange.AnswerAsync(cancellationToken);
        return outcome.Response is { } response
            ? TypedResults.Ok(response)
            : TypedResults.Problem(outcome.Problem!);
    }

    private static bool AcceptsEventStream(HttpRequest request) =>
        request.GetTypedHeaders().Accept.Any(a => a.MediaType.Equals(EventStream, StringComparison.OrdinalIgnoreCase));

    private static ProblemHttpResult TooLarge(long limit) =>
        Problem(StatusCodes.Status413PayloadTooLarge, "Message too large", $"Message bodies are limited to {limit} bytes.");

    private static ProblemHttpResult Problem(int status, string title, string detail) =>
        TypedResults.Problem(detail, statusCode: status, title: title);
}
