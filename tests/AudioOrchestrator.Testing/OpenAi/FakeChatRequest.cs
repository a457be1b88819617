using System.Text.Json;

namespace AudioOrchestrator.Testing.OpenAi;

/// <summary>One message of a request, as sent.</summary>
public sealed record FakeChatMessage(string Role, string Content, string? Name);

/// <summary>A chat request as the fake server received it.</summary>
public sealed class FakeChatRequest
{
    private int _chunksSent;
    private long _abortedTicks;
    private long _endedTicks;
    private long _firstChunkTicks;
    private long _lastChunkTicks;

    internal FakeChatRequest(string path, JsonElement body, string? authorization, string? apiKey, DateTimeOffset receivedAt)
    {
        Path = path;
        Body = body;
        Authorization = authorization;
        ApiKey = apiKey;
        ReceivedAt = receivedAt;
        Stream = body.TryGetProperty("stream", out var stream) && stream.ValueKind == JsonValueKind.True;
        Model = body.TryGetProperty("model", out var model) ? model.GetString() : null;
        var messages = new List<FakeChatMessage>();
        if (body.TryGetProperty("messages", out var list) && list.ValueKind == JsonValueKind.Array)
        {
            foreach (var message in list.EnumerateArray())
            {
                messages.Add(new FakeChatMessage(
                    message.TryGetProperty("role", out var role) ? role.GetString() ?? "" : "",
                    ContentOf(message),
                    message.TryGetProperty("name", out var name) ? name.GetString() : null));
            }
        }

        Messages = messages;
        Tools = body.TryGetProperty("tools", out var tools) && tools.ValueKind == JsonValueKind.Array
            ? [.. tools.EnumerateArray().Select(t => t.GetProperty("function").GetProperty("name").GetString() ?? "")]
            : [];
    }

    public string Path { get; }

    /// <summary>The request body as received.</summary>
    public JsonElement Body { get; }

    public string? Authorization { get; }

    /// <summary>The <c>api-key</c> header (Azure OpenAI).</summary>
    public string? ApiKey { get; }

    public bool Stream { get; }

    public string? Model { get; }

    public IReadOnlyList<FakeChatMessage> Messages { get; }

    /// <summary>Names of the tools offered.</summary>
    public IReadOnlyList<string> Tools { get; }

    public DateTimeOffset ReceivedAt { get; }

    /// <summary>The system message, or "".</summary>
    public string System => Messages.FirstOrDefault(m => m.Role is "system" or "developer")?.Content ?? "";

    /// <summary>The last user message, or "".</summary>
    public string LastUser => Messages.LastOrDefault(m => m.Role == "user")?.Content ?? "";

    /// <summary>Chunks of content written to the client.</summary>
    public int ChunksSent => Volatile.Read(ref _chunksSent);

    /// <summary>When the client aborted the request; null when it did not (yet).</summary>
    public DateTimeOffset? AbortedAt => Read(ref _abortedTicks);

    /// <summary>When the response ended (completely or by abort); null while it runs.</summary>
    public DateTimeOffset? EndedAt => Read(ref _endedTicks);

    /// <summary>When the first content chunk was written.</summary>
    public DateTimeOffset? FirstChunkAt => Read(ref _firstChunkTicks);

    /// <summary>When the last content chunk was written.</summary>
    public DateTimeOffset? LastChunkAt => Read(ref _lastChunkTicks);

    public bool Aborted => AbortedAt is not null;

    internal void ChunkSent(DateTimeOffset at)
    {
        if (Interlocked.Increment(ref _chunksSent) == 1)
        {
            Interlocked.Exchange(ref _firstChunkTicks, at.UtcTicks);
        }

        Interlocked.Exchange(ref _lastChunkTicks, at.UtcTicks);
    }

    internal void MarkAborted(DateTimeOffset at) => Interlocked.CompareExchange(ref _abortedTicks, at.UtcTicks, 0);

    internal void MarkEnded(DateTimeOffset at) => Interlocked.CompareExchange(ref _endedTicks, at.UtcTicks, 0);

    private static DateTimeOffset? Read(ref long ticks)
    {
        var value = Interlocked.Read(ref ticks);
        return value == 0 ? null : new DateTimeOffset(value, TimeSpan.Zero);
    }

    private static string ContentOf(JsonElement message)
    {
        if (!message.TryGetProperty("content", out var content))
        {
            return "";
        }

        return content.ValueKind switch
        {
            JsonValueKind.String => content.GetString() ?? "",
            JsonValueKind.Array => string.Concat(content.EnumerateArray()
                .Where(p => p.TryGetProperty("type", out var type) && type.GetString() == "text")
                .Select(p => p.GetProperty("text").GetString())),
            _ => "",
        };
    }
}
