using System.Runtime.CompilerServices;
using Microsoft.Extensions.AI;

namespace AudioOrchestrator.Speech;

/// <summary>
/// Speech-to-text over a chain of engines: the utterance goes to the first engine whose breaker is closed; one that
/// fails or has no transcript within the first-byte time (for a streaming engine: no first words) hands the same audio
/// to the next, ending with the embedded engine. The caller's language (or the chain's) is passed on.
/// </summary>
internal sealed class FallbackSpeechToTextClient(SpeechEngineChain<ISpeechToTextClient> chain, string? language) : ISpeechToTextClient
{
    public async Task<SpeechToTextResponse> GetTextAsync(Stream audioSpeechStream, SpeechToTextOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(audioSpeechStream);
        var audio = await ReadAllAsync(audioSpeechStream, cancellationToken).ConfigureAwait(false);
        var effective = options?.Clone() ?? new SpeechToTextOptions();
        effective.SpeechLanguage ??= language;
        return await chain.RunAsync(
            async (engine, ct, firstByte) =>
            {
                // A fresh stream per engine: an adapter may dispose the one it is given.
                var audioStream = new MemoryStream(audio, writable: false);
                if (engine.Client is not CloudSpeechToTextClient { Streaming: true })
                {
                    var response = await engine.Client.GetTextAsync(audioStream, effective, ct).ConfigureAwait(false);
                    firstByte();
                    return response;
                }

                // Streamed: the first words are the first byte; the rest may take as long as the speech is.
                List<SpeechToTextResponseUpdate> updates = [];
                await foreach (var update in engine.Client.GetStreamingTextAsync(audioStream, effective, ct).ConfigureAwait(false))
                {
                    firstByte();
                    updates.Add(update);
                }

                return CloudSpeechToTextClient.Join(updates);
            },
            cancellationToken).ConfigureAwait(false);
    }

    public async IAsyncEnumerable<SpeechToTextResponseUpdate> GetStreamingTextAsync(
        Stream audioSpeechStream, SpeechToTextOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var response = await GetTextAsync(audioSpeechStream, options, cancellationToken).ConfigureAwait(false);
        foreach (var update in response.ToSpeechToTextResponseUpdates())
        {
            yield return update;
        }
    }

    public object? GetService(Type serviceType, object? serviceKey = null)
    {
        ArgumentNullException.ThrowIfNull(serviceType);
        return serviceKey is null && serviceType.IsInstanceOfType(this) ? this : chain.Links[0].Client.GetService(serviceType, serviceKey);
    }

    public void Dispose()
    {
        // The engines belong to the registry.
    }

    private static async Task<byte[]> ReadAllAsync(Stream stream, CancellationToken cancellationToken)
    {
        if (stream is MemoryStream memory && memory.TryGetBuffer(out var buffer) && memory.Position == 0)
        {
            return buffer.AsSpan().ToArray();
        }

        using var copy = new MemoryStream();
        await stream.CopyToAsync(copy, cancellationToken).ConfigureAwait(false);
        return copy.ToArray();
    }
}
