using AudioOrchestrator.Archive.AnswerAudio;
using AudioOrchestrator.Audio;
using AudioOrchestrator.Contracts;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Options;

namespace AudioOrchestrator.Ingress.Uploads;

/// <summary>REST transport: upload a WAV question, download the spoken answer.</summary>
public static class UtteranceEndpoints
{
    private static readonly string[] WavMediaTypes = ["audio/wav", "audio/x-wav", "audio/wave", "audio/vnd.wave"];

    public static IEndpointRouteBuilder MapUtteranceEndpoints(this IEndpointRouteBuilder app)
    {
        var sessions = app.MapGroup("/api/v1/sessions").WithTags("Utterances");
        sessions.MapPost("/{sessionId}/utterances", PostUtteranceAsync)
            .WithName("PostUtterance")
            .WithSummary("Ask by voice: upload a WAV (PCM 16-bit), get the transcript, the agent's answer and a link to the spoken answer.")
            .Accepts<byte[]>("audio/wav")
            .Produces<UtteranceResponse>()
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType)
            .ProducesProblem(StatusCodes.Status422UnprocessableEntity)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable)
            .ProducesProblem(StatusCodes.Status504GatewayTimeout)
            .DisableAntiforgery();
        sessions.MapGet("/{sessionId}/turns/{turnId}/audio", GetAnswerAudio)
            .WithName("GetAnswerAudio")
            .WithSummary("The spoken answer of a turn, as audio/wav, while it is kept (Archive:AnswerAudio:Retention); served by any node.")
            .Produces(StatusCodes.Status200OK, contentType: "audio/wav")
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status404NotFound);
        return app;
    }

    private static async Task<Results<Ok<UtteranceResponse>, ProblemHttpResult>> PostUtteranceAsync(
        string sessionId,
        HttpRequest request,
        UtteranceUploadProcessor processor,
        [FromServices] AnswerAudioKeeper keeper,
        IOptions<IngressOptions> options,
        CancellationToken cancellationToken,
        string speakerId = "rest")
    {
        if (!Identifiers.IsValid(sessionId) || !Identifiers.IsValid(speakerId))
        {
            return Problem(StatusCodes.Status400BadRequest, "Invalid identifier",
                "Session and speaker ids are 1-128 characters of letters, digits, '-', '_', '.' or ':'.");
        }

        if (!IsWav(request.ContentType))
        {
            return Problem(StatusCodes.Status415UnsupportedMediaType, "Unsupported media type",
                $"Send the recording as Content-Type audio/wav, not '{request.ContentType ?? "(none)"}'.");
        }

        var limit = options.Value.MaxUploadBytes;
        if (request.ContentLength > limit)
        {
            return TooLarge(limit);
        }

        var body = await BoundedRequestBody.ReadAsync(request.Body, limit, cancellationToken);
        if (body is null)
        {
            return TooLarge(limit);
        }

        PcmAudio audio;
        try
        {
            audio = UtteranceUploadProcessor.DecodeUpload(body);
        }
        catch (InvalidAudioException ex)
        {
            return Problem(StatusCodes.Status400BadRequest, "Invalid WAV file", ex.Message);
        }

        UploadResult result;
        try
        {
            result = await processor.ProcessAsync(sessionId, speakerId, audio, cancellationToken);
        }
        catch (TimeoutException ex)
        {
            return Problem(StatusCodes.Status504GatewayTimeout, "The answer took too long", ex.Message);
        }
        catch (UploadCutException ex)
        {
            return Problem(StatusCodes.Status503ServiceUnavailable, "The recording was cut by a failover", ex.Message, "urn:audio-orchestrator:upload-cut");
        }
        catch (TurnLostException ex)
        {
            return Problem(StatusCodes.Status503ServiceUnavailable, "The answer was lost", ex.Message, "urn:audio-orchestrator:turn-lost");
        }

        if (result.NoSpeech)
        {
            return Problem(StatusCodes.Status422UnprocessableEntity, "No speech detected",
                $"The recording ({audio.Duration.TotalSeconds:F1} s) contains no speech that could be recognised.",
                "urn:audio-orchestrator:no-speech");
        }

        // Kept before the response names the address, so it works at once on every node.
        var kept = await keeper.KeepAsync(
            result.SessionId, result.Turns.Where(t => t.AnswerWav is not null).Select(t => (t.TurnId, t.AnswerWav!)), cancellationToken);
        return TypedResults.Ok(ToResponse(result, kept, request));
    }

    private static async Task<Results<FileContentHttpResult, ProblemHttpResult>> GetAnswerAudio(
        string sessionId, string turnId, [FromServices] IAnswerAudioStore store, CancellationToken cancellationToken)
    {
        if (!Identifiers.IsValid(sessionId) || !Identifiers.IsValid(turnId))
        {
            return Problem(StatusCodes.Status400BadRequest, "Invalid identifier",
                "Session and turn ids are 1-128 characters of letters, digits, '-', '_', '.' or ':'.");
        }

        return await store.FindAsync(sessionId, turnId, cancellationToken) is { } wav
            ? TypedResults.File(wav, "audio/wav", $"{turnId}.wav")
            : Problem(StatusCodes.Status404NotFound, "Unknown answer audio",
                $"No answer audio for turn '{turnId}' of session '{sessionId}' (unknown, not spoken, or expired).");
    }

    private static UtteranceResponse ToResponse(UploadResult result, IReadOnlySet<string> kept, HttpRequest request)
    {
        var turns = result.Turns.Select(t => new TurnResponse(
            t.TurnId,
            t.Transcript,
            t.Agent,
            t.ResponseText,
            kept.Contains(t.TurnId) ? AnswerAudioUrls.For(request, result.SessionId, t.TurnId) : null,
            t.Timings is { } timing
                ? new ResponseTimings(timing.SttMs, timing.AgentMs, timing.TtsMs, result.TotalMs, timing.EndOfUtteranceDelayMs, timing.WakeDetectMs)
                : null,
            t.Error,
            t.Route)).ToArray();
        var last = turns[^1];
        var sums = new ResponseTimings(
            turns.Sum(t => t.Timings?.SttMs ?? 0),
            turns.Sum(t => t.Timings?.AgentMs ?? 0),
            turns.Sum(t => t.Timings?.TtsMs ?? 0),
            result.TotalMs);
        return new UtteranceResponse(result.SessionId, result.CorrelationId, last.Transcript, last.Agent, last.ResponseText, last.ResponseAudioUrl, sums, turns, last.Route, last.Error);
    }

    private static bool IsWav(string? contentType) =>
        contentType is not null && WavMediaTypes.Any(t => contentType.StartsWith(t, StringComparison.OrdinalIgnoreCase));

    private static ProblemHttpResult TooLarge(long limit) =>
        Problem(StatusCodes.Status413PayloadTooLarge, "Recording too large", $"Uploads are limited to {limit} bytes.");

    private static ProblemHttpResult Problem(int status, string title, string detail, string? type = null) =>
        TypedResults.Problem(detail, statusCode: status, title: title, type: type);
}
