using System.ClientModel;
using System.ClientModel.Primitives;
using System.Text.Json;

namespace AudioOrchestrator.Speech;

/// <summary>
/// Some OpenAI-compatible servers (and proxies in front of them) answer 200 with an <c>{"error": ...}</c> JSON body,
/// an empty body or an HTML page. The SDK would read that as an empty transcript (a streamed one has no events at all);
/// this policy turns it into the error it is, so the chain moves on.
/// </summary>
internal sealed class ErrorBodyPolicy : PipelinePolicy
{
    public override void Process(PipelineMessage message, IReadOnlyList<PipelinePolicy> pipeline, int currentIndex)
    {
        ArgumentNullException.ThrowIfNull(message);
        ProcessNext(message, pipeline, currentIndex);
        Check(message);
    }

    public override async ValueTask ProcessAsync(PipelineMessage message, IReadOnlyList<PipelinePolicy> pipeline, int currentIndex)
    {
        ArgumentNullException.ThrowIfNull(message);
        await ProcessNextAsync(message, pipeline, currentIndex).ConfigureAwait(false);
        Check(message);
    }

    private static void Check(PipelineMessage message)
    {
        if (message.Response is not { Status: 200 } response || !response.Headers.TryGetValue("Content-Type", out var type) || type is null)
        {
            return;
        }

        if (type.StartsWith("text/html", StringComparison.OrdinalIgnoreCase))
        {
            // No audio endpoint answers HTML: a proxy's or gateway's error page.
            response.BufferContent();
            var page = System.Text.Encoding.UTF8.GetString(response.Content.ToMemory().Span[..Math.Min(response.Content.ToMemory().Length, 80)]).ReplaceLineEndings(" ");
            throw new ClientResultException($"The server answered 200 with an HTML page, not the API's answer: \"{page}\"", response);
        }

        if (!type.Contains("json", StringComparison.OrdinalIgnoreCase))
        {
            return;
        }

        response.BufferContent();
        if (response.Content.ToMemory().Span.Trim(" \r\n\t"u8).IsEmpty)
        {
            throw new ClientResultException("The server answered 200 with an empty JSON body.", response);
        }

        string? error = null;
        try
        {
            using var document = JsonDocument.Parse(response.Content.ToMemory());
            if (document.RootElement.ValueKind == JsonValueKind.Object && document.RootElement.TryGetProperty("error", out var e) && e.ValueKind != JsonValueKind.Null)
            {
                error = e.ValueKind == JsonValueKind.Object && e.TryGetProperty("message", out var m) ? m.ToString() : e.ToString();
            }
        }
        catch (JsonException)
        {
            // Not JSON after all: the SDK reports it.
        }

        if (error is not null)
        {
            throw new ClientResultException($"The server answered 200 with an error: {error}", response);
        }
    }
}
