using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace AudioOrchestrator.Testing.OpenAi;

/// <summary>
/// A local OpenAI-compatible server on loopback, written from the OpenAI API reference, for testing the real client code
/// over real HTTP: <c>POST /v1/chat/completions</c> (OpenAI and compatible servers) and
/// <c>POST /openai/deployments/{deployment}/chat/completions</c> (Azure OpenAI), with and without <c>stream</c> (server-sent
/// events of <c>chat.completion.chunk</c> objects: a role chunk, content deltas, <c>tool_calls</c> deltas, a finish
/// chunk, a usage chunk when <c>stream_options.include_usage</c> is set, then <c>data: [DONE]</c>), error bodies
/// (<c>{"error": {...}}</c>) with any status and headers such as <c>retry-after</c>, stalls before the first byte and
/// mid-stream, and dropped connections. Every request is recorded, with when its client aborted it.
/// </summary>
public sealed partial class FakeOpenAiServer : IAsyncDisposable
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private readonly WebApplication _app;
    private readonly ConcurrentQueue<FakeChatRequest> _requests = new();
    private readonly ConcurrentQueue<FakeTranscriptionRequest> _transcriptions = new();
    private readonly ConcurrentQueue<FakeSpeechRequest> _speeches = new();
    private Func<FakeChatRequest, FakeChatReply> _respond = _ => FakeChatReply.Say("Hello from the fake model.");
    private Func<FakeTranscriptionRequest, FakeAudioReply> _transcribe = _ => FakeAudioReply.Transcribed("hello from the fake transcriber");
    private Func<FakeSpeechRequest, FakeAudioReply?> _speak = _ => null;

    private FakeOpenAiServer(WebApplication app) => _app = app;

    /// <summary>The OpenAI base URL (<c>http://127.0.0.1:port/v1</c>), what <c>Llm:Endpoint</c> takes.</summary>
    public Uri BaseUrl { get; private set; } = null!;

    /// <summary>The Azure OpenAI resource endpoint (<c>http://127.0.0.1:port/</c>).</summary>
    public Uri AzureEndpoint { get; private set; } = null!;

    /// <summary>Every request so far, in arrival order.</summary>
    public IReadOnlyList<FakeChatRequest> Requests => [.. _requests];

    /// <summary>Decides each answer; replaceable at any time.</summary>
    public Func<FakeChatRequest, FakeChatReply> Respond
    {
        get => Volatile.Read(ref _respond);
        set => Volatile.Write(ref _respond, value ?? throw new ArgumentNullException(nameof(value)));
    }

    /// <summary>Every transcription request so far.</summary>
    public IReadOnlyList<FakeTranscriptionRequest> Transcriptions => [.. _transcriptions];

    /// <summary>Every speech request so far.</summary>
    public IReadOnlyList<FakeSpeechRequest> Speeches => [.. _speeches];

    /// <summary>Decides each transcription; replaceable at any time.</summary>
    public Func<FakeTranscriptionRequest, FakeAudioReply> Transcribe
    {
        get => Volatile.Read(ref _transcribe);
        set => Volatile.Write(ref _transcribe, value ?? throw new ArgumentNullException(nameof(value)));
    }

    /// <summary>
    /// Decides each speech answer; null (the default) speaks the input as tones (<see cref="ToneTextToSpeech"/>), in the
    /// requested format: <c>wav</c>, or <c>pcm</c> (raw 24 kHz 16-bit little-endian mono, as OpenAI sends it).
    /// </summary>
    public Func<FakeSpeechRequest, FakeAudioReply?> Speak
    {
        get => Volatile.Read(ref _speak);
        set => Volatile.Write(ref _speak, value ?? throw new ArgumentNullException(nameof(value)));
    }

    public static async Task<FakeOpenAiServer> StartAsync(Func<FakeChatRequest, FakeChatReply>? respond = null)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var server = new FakeOpenAiServer(app);
        if (respond is not null)
        {
            server.Respond = respond;
        }

        app.MapPost("/v1/chat/completions", server.HandleAsync);
        app.MapPost("/openai/deployments/{deployment}/chat/completions", server.HandleAsync);
        app.MapPost("/openai/v1/chat/completions", server.HandleAsync);
        app.MapPost("/v1/audio/transcriptions", server.HandleTranscriptionAsync);
        app.MapPost("/openai/deployments/{deployment}/audio/transcriptions", server.HandleTranscriptionAsync);
        app.MapPost("/v1/audio/speech", server.HandleSpeechAsync);
        app.MapPost("/openai/deployments/{deployment}/audio/speech", server.HandleSpeechAsync);
        await app.StartAsync();
        var address = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
        server.BaseUrl = new Uri(address, "/v1");
        server.AzureEndpoint = address;
        return server;
    }

    /// <summary>Waits for a request that matches <paramref name="match"/> (already received or still to come).</summary>
    public async Task<FakeChatRequest> WaitForRequestAsync(Func<FakeChatRequest, bool> match, string what, TimeSpan? timeout = null)
    {
        FakeChatRequest? found = null;
        await TestWait.UntilAsync(() => (found = Requests.FirstOrDefault(match)) is not null, what, timeout);
        return found!;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private async Task HandleAsync(HttpContext context)
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

        var request = new FakeChatRequest(
            context.Request.Path, body, context.Request.Headers.Authorization.FirstOrDefault(), context.Request.Headers["api-key"].FirstOrDefault(), DateTimeOffset.UtcNow);
        _requests.Enqueue(request);
        var aborted = context.RequestAborted;
        using var onAbort = aborted.Register(() => request.MarkAborted(DateTimeOffset.UtcNow));
        try
        {
            await AnswerAsync(context, request, Respond(request), aborted);
        }
        catch (Exception ex) when (ex is IOException or OperationCanceledException)
        {
            // The client went away. The registration above may never run: RequestAborted's callbacks run newest first,
            // and the handler's own wait on the token can finish this method (disposing the registration) before it.
            // A write may also find out first (IOException, or Kestrel's ConnectionAbortedException).
            request.MarkAborted(DateTimeOffset.UtcNow);
        }
        finally
        {
            request.MarkEnded(DateTimeOffset.UtcNow);
        }
    }

    private static async Task AnswerAsync(HttpContext context, FakeChatRequest request, FakeChatReply reply, CancellationToken aborted)
    {
        if (reply.StallBeforeHeaders)
        {
            await Task.Delay(Timeout.Infinite, aborted);
        }

        foreach (var (name, value) in reply.Headers)
        {
            context.Response.Headers[name] = value;
        }

        if (reply.Status != 200)
        {
            await WriteErrorAsync(context, reply.Status, reply.ErrorMessage, ErrorType(reply.Status), reply.ErrorCode);
            return;
        }

        if (reply.RawBody is not null)
        {
            context.Response.ContentType = reply.RawContentType;
            await context.Response.WriteAsync(reply.RawBody, aborted);
            return;
        }

        var model = request.Model ?? "fake-model";
        var id = "chatcmpl-" + Guid.NewGuid().ToString("N")[..12];
        var created = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var chunks = reply.Chunks();
        if (!request.Stream)
        {
            await Task.Delay(reply.FirstTokenDelay, aborted);
            foreach (var _ in chunks)
            {
                request.ChunkSent(DateTimeOffset.UtcNow);
            }

            await context.Response.WriteAsJsonAsync(Completion(id, created, model, reply, chunks.Count), Json, aborted);
            return;
        }

        context.Response.ContentType = "text/event-stream";
        context.Response.Headers.CacheControl = "no-cache";
        await context.Response.StartAsync(aborted);
        await SendAsync(context, Chunk(id, created, model, new { role = "assistant", content = "" }, null), aborted);

        var start = DateTimeOffset.UtcNow + reply.FirstTokenDelay;
        for (var i = 0; i < chunks.Count; i++)
        {
            if (reply.StallAfterTokens == i)
            {
                await StallAsync(context, aborted);
            }

            if (reply.DropAfterTokens == i)
            {
                await reply.DropWhen.WaitAsync(aborted);
                context.Abort();
                return;
            }

            if (reply.HoldAfterTokens == i)
            {
                await reply.ContinueWhen.WaitAsync(aborted);
                start = reply.TokensPerSecond > 0
                    ? DateTimeOffset.UtcNow - TimeSpan.FromSeconds(i / reply.TokensPerSecond) // the rest paced from now
                    : DateTimeOffset.MinValue; // the rest at once
            }

            var due = start + (reply.TokensPerSecond > 0 ? TimeSpan.FromSeconds(i / reply.TokensPerSecond) : TimeSpan.Zero);
            var wait = due - DateTimeOffset.UtcNow;
            if (wait > TimeSpan.Zero)
            {
                await Task.Delay(wait, aborted);
            }

            await SendAsync(context, Chunk(id, created, model, new { content = chunks[i] }, null), aborted);
            request.ChunkSent(DateTimeOffset.UtcNow);
        }

        if (reply.StallAfterTokens == chunks.Count)
        {
            await StallAsync(context, aborted);
        }

        if (reply.DropAfterTokens == chunks.Count)
        {
            await reply.DropWhen.WaitAsync(aborted);
            context.Abort();
            return;
        }

        for (var i = 0; i < reply.ToolCalls.Count; i++)
        {
            var call = reply.ToolCalls[i];
            var callId = call.Id ?? $"call_{i}_{Guid.NewGuid():N}"[..24];
            await SendAsync(context, Chunk(id, created, model, new { tool_calls = new[] { new { index = i, id = callId, type = "function", function = new { name = call.Name, arguments = "" } } } }, null), aborted);
            // Arguments arrive in pieces, as real models send them.
            foreach (var piece in Pieces(call.Arguments, 8))
            {
                await SendAsync(context, Chunk(id, created, model, new { tool_calls = new[] { new { index = i, function = new { arguments = piece } } } }, null), aborted);
            }
        }

        await SendAsync(context, Chunk(id, created, model, new { }, reply.ToolCalls.Count > 0 ? "tool_calls" : "stop"), aborted);
        if (request.Body.TryGetProperty("stream_options", out var options) && options.TryGetProperty("include_usage", out var usage) && usage.ValueKind == JsonValueKind.True)
        {
            await SendAsync(context, new { id, @object = "chat.completion.chunk", created, model, choices = Array.Empty<object>(), usage = Usage(request, chunks.Count) }, aborted);
        }

        await context.Response.WriteAsync("data: [DONE]\n\n", aborted);
        await context.Response.Body.FlushAsync(aborted);
    }

    private static object Chunk(string id, long created, string model, object delta, string? finishReason) => new
    {
        id,
        @object = "chat.completion.chunk",
        created,
        model,
        system_fingerprint = (string?)null,
        choices = new[] { new { index = 0, delta, logprobs = (object?)null, finish_reason = finishReason } },
    };

    private static object Completion(string id, long created, string model, FakeChatReply reply, int tokens) => new
    {
        id,
        @object = "chat.completion",
        created,
        model,
        choices = new[]
        {
            new
            {
                index = 0,
                message = new
                {
                    role = "assistant",
                    content = reply.ToolCalls.Count > 0 && reply.Text.Length == 0 ? null : reply.Text,
                    refusal = (string?)null,
                    tool_calls = reply.ToolCalls.Count == 0
                        ? null
                        : reply.ToolCalls.Select((c, i) => new { id = c.Id ?? $"call_{i}", type = "function", function = new { name = c.Name, arguments = c.Arguments } }).ToArray(),
                },
                logprobs = (object?)null,
                finish_reason = reply.ToolCalls.Count > 0 ? "tool_calls" : "stop",
            },
        },
        usage = new { prompt_tokens = 10, completion_tokens = tokens, total_tokens = 10 + tokens },
    };

    private static object Usage(FakeChatRequest request, int completionTokens)
    {
        var prompt = request.Messages.Sum(m => m.Content.Split(' ', StringSplitOptions.RemoveEmptyEntries).Length);
        return new { prompt_tokens = prompt, completion_tokens = completionTokens, total_tokens = prompt + completionTokens };
    }

    /// <summary>
    /// Sends no more data, only an SSE comment (ignored by clients) every 100 ms, until the client goes away: a write
    /// finds a closed connection at once, where waiting for Kestrel to notice it may take long on a loaded machine.
    /// </summary>
    private static async Task StallAsync(HttpContext context, CancellationToken aborted)
    {
        while (true)
        {
            await Task.Delay(100, aborted);
            await context.Response.WriteAsync(": still thinking\n\n", aborted);
            await context.Response.Body.FlushAsync(aborted);
        }
    }

    private static async Task SendAsync(HttpContext context, object chunk, CancellationToken aborted)
    {
        var payload = new StringBuilder("data: ").Append(JsonSerializer.Serialize(chunk, Json)).Append("\n\n").ToString();
        await context.Response.WriteAsync(payload, aborted);
        await context.Response.Body.FlushAsync(aborted);
    }

    private static IEnumerable<string> Pieces(string text, int size)
    {
        for (var i = 0; i < text.Length; i += size)
        {
            yield return text.Substring(i, Math.Min(size, text.Length - i));
        }
    }

    private static string ErrorType(int status) => status switch
    {
        401 => "invalid_request_error",
        429 => "rate_limit_error",
        >= 500 => "server_error",
        _ => "invalid_request_error",
    };

    private static Task WriteErrorAsync(HttpContext context, int status, string message, string type, string? code)
    {
        context.Response.StatusCode = status;
        return context.Response.WriteAsJsonAsync(new { error = new { message, type, param = (string?)null, code } }, Json);
    }
}
