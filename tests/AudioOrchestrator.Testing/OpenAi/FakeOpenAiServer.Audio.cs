using System.Text.Json;
using AudioOrchestrator.Audio;
using Microsoft.AspNetCore.Http;

namespace AudioOrchestrator.Testing.OpenAi;

/// <summary>
/// The audio endpoints of the fake server, from the OpenAI API reference: <c>POST /v1/audio/transcriptions</c>
/// (multipart: <c>file</c>, <c>model</c>, <c>language</c>, <c>response_format</c> of <c>json</c>, <c>text</c> or
/// <c>verbose_json</c>; <c>stream=true</c> answers server-sent <c>transcript.text.delta</c> events, one per word, then
/// <c>transcript.text.done</c>, as gpt-4o-transcribe does, and is refused for <c>whisper-1</c>) and
/// <c>POST /v1/audio/speech</c> (JSON: <c>model</c>, <c>input</c>, <c>voice</c>,
/// <c>response_format</c> of <c>opus</c> (Ogg Opus at 48 kHz, 20 ms packets unless <see cref="OpusPacketMilliseconds"/>
/// says 40), <c>wav</c> or <c>pcm</c>, <c>speed</c>; the body is sent chunked), and the same under
/// <c>/openai/deployments/{deployment}/</c> for Azure OpenAI.
/// </summary>
public sealed partial class FakeOpenAiServer
{
    /// <summary>Sample rate of <c>pcm</c> speech, as OpenAI sends it.</summary>
    public const int PcmSampleRate = 24_000;

    /// <summary>Duration of the Opus packets of <c>opus</c> speech: 20 (one frame each) or 40 (two frames, code 3).</summary>
    public int OpusPacketMilliseconds { get; set; } = 20;

    private async Task HandleTranscriptionAsync(HttpContext context)
    {
        if (!context.Request.HasFormContentType)
        {
            await WriteErrorAsync(context, 400, "Expected a multipart form.", "invalid_request_error", null);
            return;
        }

        var form = await context.Request.ReadFormAsync(context.RequestAborted);
        var file = form.Files.GetFile("file");
        if (file is null)
        {
            await WriteErrorAsync(context, 400, "The file field is required.", "invalid_request_error", null);
            return;
        }

        using var audio = new MemoryStream();
        await file.CopyToAsync(audio, context.RequestAborted);
        var request = new FakeTranscriptionRequest(
            context.Request.Path, form["model"].FirstOrDefault(), form["language"].FirstOrDefault(), form["response_format"].FirstOrDefault(),
            file.FileName, audio.ToArray(), context.Request.Headers.Authorization.FirstOrDefault(), context.Request.Headers["api-key"].FirstOrDefault(),
            string.Equals(form["stream"].FirstOrDefault(), "true", StringComparison.OrdinalIgnoreCase));
        _transcriptions.Enqueue(request);
        if (request.Stream && request.Model == "whisper-1")
        {
            await WriteErrorAsync(context, 400, "Streaming is not supported for the whisper-1 model.", "invalid_request_error", "stream");
            return;
        }

        var reply = Transcribe(request);
        if (await AnswerSpecialAsync(context, reply))
        {
            return;
        }

        var text = reply.Transcript ?? "";
        if (request.Stream)
        {
            await StreamTranscriptAsync(context, text, reply.PieceDelay);
            return;
        }

        switch (request.ResponseFormat ?? "json")
        {
            case "text":
                context.Response.ContentType = "text/plain";
                await context.Response.WriteAsync(text + "\n", context.RequestAborted);
                break;
            case "verbose_json":
                await context.Response.WriteAsJsonAsync(
                    new { task = "transcribe", language = request.Language ?? "english", duration = 1.0, text, segments = Array.Empty<object>() }, Json, context.RequestAborted);
                break;
            default:
                await context.Response.WriteAsJsonAsync(new { text }, Json, context.RequestAborted);
                break;
        }
    }

    private async Task HandleSpeechAsync(HttpContext context)
    {
        JsonElement body;
        try
        {
            body = (await JsonDocument.ParseAsync(context.Request.Body, cancellationToken: context.RequestAborted)).RootElement.Clone();
        }
        catch (JsonException)
        {
            await WriteErrorAsync(context, 400, "We could not parse the JSON body of your request.", "invalid_request_error", null);
            return;
        }

        string? Text(string name) => body.TryGetProperty(name, out var e) && e.ValueKind == JsonValueKind.String ? e.GetString() : null;
        double? speed = body.TryGetProperty("speed", out var s) && s.ValueKind == JsonValueKind.Number ? s.GetDouble() : null;
        var request = new FakeSpeechRequest(
            context.Request.Path, Text("model"), Text("input") ?? "", Text("voice"), Text("response_format"), speed,
            context.Request.Headers.Authorization.FirstOrDefault(), context.Request.Headers["api-key"].FirstOrDefault());
        _speeches.Enqueue(request);
        var reply = Speak(request);
        if (reply is not null && await AnswerSpecialAsync(context, reply))
        {
            return;
        }

        var tones = ToneTextToSpeech.Speak(request.Input).ResampleTo(PcmSampleRate);
        byte[] audio;
        switch (request.ResponseFormat ?? "mp3")
        {
            case "wav":
                context.Response.ContentType = "audio/wav";
                audio = WavCodec.Encode(tones);
                break;
            case "opus":
                context.Response.ContentType = "audio/ogg";
                var packets = OpusPacketizer.Encode(tones);
                if (OpusPacketMilliseconds == 40)
                {
                    packets = [.. packets.Chunk(2).Select(pair => pair.Length == 2 ? OggOpusWriter.JoinPair(pair[0], pair[1]) : pair[0])];
                }

                audio = OggOpusWriter.Write(packets);
                break;
            case "pcm":
                context.Response.ContentType = "audio/pcm";
                audio = new byte[tones.Samples.Length * 2];
                Buffer.BlockCopy(tones.Samples, 0, audio, 0, audio.Length);
                break;
            default:
                await WriteErrorAsync(context, 400, $"The fake server does not encode {request.ResponseFormat ?? "mp3"}.", "invalid_request_error", null);
                return;
        }

        if (reply?.CutAfterBytes is { } cut)
        {
            audio = audio[..Math.Min(cut, audio.Length)];
        }

        // Chunked, in pieces of about 100 ms, flushed one by one.
        const int Piece = 4800;
        for (var offset = 0; offset < audio.Length; offset += Piece)
        {
            if (offset > 0 && reply?.PieceDelay is { } delay && delay > TimeSpan.Zero)
            {
                await Task.Delay(delay, context.RequestAborted);
            }

            if (offset == Piece && reply?.RestOfBody is { } rest)
            {
                await rest.WaitAsync(context.RequestAborted);
            }

            request.MarkFirstByte();
            await context.Response.Body.WriteAsync(audio.AsMemory(offset, Math.Min(Piece, audio.Length - offset)), context.RequestAborted);
            await context.Response.Body.FlushAsync(context.RequestAborted);
        }

        request.Finished = true;
    }

    /// <summary>Server-sent events of a streamed transcript: a delta per word, then the whole text.</summary>
    private static async Task StreamTranscriptAsync(HttpContext context, string text, TimeSpan pieceDelay)
    {
        context.Response.ContentType = "text/event-stream";
        var words = text.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        for (var i = 0; i < words.Length; i++)
        {
            if (i > 0 && pieceDelay > TimeSpan.Zero)
            {
                await Task.Delay(pieceDelay, context.RequestAborted);
            }

            var delta = JsonSerializer.Serialize(new { type = "transcript.text.delta", delta = (i == 0 ? "" : " ") + words[i] }, Json);
            await context.Response.WriteAsync($"data: {delta}\n\n", context.RequestAborted);
            await context.Response.Body.FlushAsync(context.RequestAborted);
        }

        var done = JsonSerializer.Serialize(new { type = "transcript.text.done", text }, Json);
        await context.Response.WriteAsync($"data: {done}\n\ndata: [DONE]\n\n", context.RequestAborted);
    }

    /// <summary>Stalls, errors and raw bodies; false when the normal answer should be sent.</summary>
    private static async Task<bool> AnswerSpecialAsync(HttpContext context, FakeAudioReply reply)
    {
        foreach (var (name, value) in reply.Headers)
        {
            context.Response.Headers[name] = value;
        }

        if (reply.StallBeforeHeaders)
        {
            try
            {
                await Task.Delay(Timeout.Infinite, context.RequestAborted);
            }
            catch (OperationCanceledException)
            {
            }

            return true;
        }

        if (reply.RawBody is { } raw)
        {
            context.Response.StatusCode = reply.Status;
            context.Response.ContentType = reply.RawContentType;
            context.Response.ContentLength = raw.Length;
            await context.Response.Body.WriteAsync(raw, context.RequestAborted);
            return true;
        }

        if (reply.Status != 200)
        {
            await WriteErrorAsync(context, reply.Status, "The fake server refused the request.", ErrorType(reply.Status), null);
            return true;
        }

        return false;
    }
}
