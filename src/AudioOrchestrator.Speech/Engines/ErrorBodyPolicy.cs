using System.ClientModel;
using System.ClientModel.Primitives;
using System.Text.Json;

namespace AudioOrchestrator.Speech;

/// <summary>
/// Some OpenAI-compatible servers (and proxies in front of them) answer 200 with an <c>{"error": ...}</c> JSON body.
/// The SDK would read that as an empty transcript; this policy turns it into the error it is, so the chain moves on.
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
        if (message.Response is not { Status: 200 } response
            || !response.Headers.TryGetValue("Content-Type", out var type)
            || type?.Contains("json", StringComparison.OrdinalIgnoreCase) != true)
        {
            return;
        }

        response.BufferContent();
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
