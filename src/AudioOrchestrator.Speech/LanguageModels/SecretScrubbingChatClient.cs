using Microsoft.Extensions.AI;

namespace AudioOrchestrator.Speech;

/// <summary>Values that must never leave the service: the Discord bot token, API keys, MCP credentials.</summary>
public sealed class SecretValues
{
    /// <summary>Secrets shorter than this are not scrubbed (they would match ordinary words).</summary>
    public const int MinimumLength = 8;

    public SecretValues(IEnumerable<string?> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        Values = [.. values.OfType<string>().Where(v => v.Length >= MinimumLength).Distinct(StringComparer.Ordinal).OrderByDescending(v => v.Length)];
    }

    public IReadOnlyList<string> Values { get; }

    /// <summary><paramref name="text"/> with every secret replaced by <c>[redacted]</c>.</summary>
    public string Scrub(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        foreach (var secret in Values)
        {
            if (text.Contains(secret, StringComparison.Ordinal))
            {
                text = text.Replace(secret, "[redacted]", StringComparison.Ordinal);
            }
        }

        return text;
    }

    public bool Contains(string? text) => text is not null && Values.Any(v => text.Contains(v, StringComparison.Ordinal));
}

/// <summary>
/// Makes sure the model never receives a secret: every outgoing message's text and every tool result are scrubbed
/// (<see cref="SecretValues"/>) before the request leaves. The caller's messages are not changed.
/// </summary>
public sealed class SecretScrubbingChatClient(IChatClient inner, SecretValues secrets) : DelegatingChatClient(inner)
{
    public override Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
        base.GetResponseAsync(Scrub(messages), options, cancellationToken);

    public override IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
        base.GetStreamingResponseAsync(Scrub(messages), options, cancellationToken);

    private List<ChatMessage> Scrub(IEnumerable<ChatMessage> messages)
    {
        ArgumentNullException.ThrowIfNull(messages);
        var scrubbed = new List<ChatMessage>();
        foreach (var message in messages)
        {
            if (!message.Contents.Any(NeedsScrubbing))
            {
                scrubbed.Add(message);
                continue;
            }

            var copy = message.Clone();
            copy.Contents = [.. message.Contents.Select(Scrub)];
            scrubbed.Add(copy);
        }

        return scrubbed;
    }

    private bool NeedsScrubbing(AIContent content) => content switch
    {
        TextContent text => secrets.Contains(text.Text),
        FunctionResultContent result => secrets.Contains(result.Result?.ToString()),
        FunctionCallContent call => call.Arguments?.Values.Any(v => secrets.Contains(v?.ToString())) == true,
        _ => false,
    };

    private AIContent Scrub(AIContent content) => content switch
    {
        TextContent text when secrets.Contains(text.Text) => new TextContent(secrets.Scrub(text.Text)),
        FunctionResultContent result when secrets.Contains(result.Result?.ToString()) => new FunctionResultContent(result.CallId, secrets.Scrub(result.Result!.ToString()!)),
        FunctionCallContent call when NeedsScrubbing(call) => new FunctionCallContent(
            call.CallId, call.Name, call.Arguments?.ToDictionary(a => a.Key, a => a.Value is null ? null : (object?)secrets.Scrub(a.Value.ToString()!))),
        _ => content,
    };
}
