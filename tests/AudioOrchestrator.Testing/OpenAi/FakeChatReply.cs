namespace AudioOrchestrator.Testing.OpenAi;

/// <summary>A tool call the fake model makes (streamed as <c>tool_calls</c> deltas).</summary>
/// <param name="Name">The function name.</param>
/// <param name="Arguments">The arguments as the model writes them (JSON, or deliberately not).</param>
/// <param name="Id">The call id; generated when null.</param>
public sealed record FakeToolCall(string Name, string Arguments, string? Id = null);

/// <summary>How the fake server answers one chat request.</summary>
public sealed record FakeChatReply
{
    /// <summary>The answer text (streamed token by token: words with their leading space).</summary>
    public string Text { get; init; } = "";

    /// <summary>The exact chunks to stream instead of splitting <see cref="Text"/>.</summary>
    public IReadOnlyList<string>? Tokens { get; init; }

    /// <summary>HTTP status; anything but 200 sends an OpenAI error body.</summary>
    public int Status { get; init; } = 200;

    /// <summary>Error message of a non-200 answer.</summary>
    public string ErrorMessage { get; init; } = "The fake server refused the request.";

    /// <summary>Error code of a non-200 answer (e.g. <c>rate_limit_exceeded</c>, <c>context_length_exceeded</c>).</summary>
    public string? ErrorCode { get; init; }

    /// <summary>Extra response headers, e.g. <c>retry-after</c>.</summary>
    public IReadOnlyDictionary<string, string> Headers { get; init; } = new Dictionary<string, string>();

    /// <summary>Delay before the first chunk (after the response headers).</summary>
    public TimeSpan FirstTokenDelay { get; init; }

    /// <summary>Chunks per second after the first; 0 = all at once.</summary>
    public double TokensPerSecond { get; init; }

    /// <summary>Send no response at all (not even headers) until the client gives up.</summary>
    public bool StallBeforeHeaders { get; init; }

    /// <summary>After this many chunks, send nothing more until the client gives up.</summary>
    public int? StallAfterTokens { get; init; }

    /// <summary>After this many chunks, send nothing more until <see cref="ContinueWhen"/> has completed, then the rest (paced from then on, or at once without <see cref="TokensPerSecond"/>).</summary>
    public int? HoldAfterTokens { get; init; }

    /// <summary>What a hold (<see cref="HoldAfterTokens"/>) waits for.</summary>
    public Task ContinueWhen { get; init; } = Task.CompletedTask;

    /// <summary>After this many chunks, drop the connection (once <see cref="DropWhen"/> has completed).</summary>
    public int? DropAfterTokens { get; init; }

    /// <summary>
    /// What the drop waits for, e.g. the client having read the chunks: a reset connection may discard data the client
    /// has not read yet, so a test that needs them read says when.
    /// </summary>
    public Task DropWhen { get; init; } = Task.CompletedTask;

    /// <summary>Tool calls to make after the text.</summary>
    public IReadOnlyList<FakeToolCall> ToolCalls { get; init; } = [];

    /// <summary>A body sent as it is with status 200 (garbage, HTML) instead of a well-formed answer.</summary>
    public string? RawBody { get; init; }

    /// <summary>Content type of <see cref="RawBody"/>.</summary>
    public string RawContentType { get; init; } = "application/json";

    /// <summary>The text as the chunks the stream carries.</summary>
    public IReadOnlyList<string> Chunks()
    {
        if (Tokens is not null)
        {
            return Tokens;
        }

        var chunks = new List<string>();
        var start = 0;
        for (var i = 1; i <= Text.Length; i++)
        {
            if (i == Text.Length || Text[i] == ' ')
            {
                chunks.Add(Text[start..i]);
                start = i;
            }
        }

        return chunks;
    }

    public static FakeChatReply Say(string text) => new() { Text = text };
}
