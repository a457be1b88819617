using System.Runtime.CompilerServices;
using Microsoft.Extensions.AI;

namespace AudioOrchestrator.Speech;

/// <summary>
/// Speech-to-text over a chain of engines: the utterance goes to the first engine whose breaker is closed; one that
/// fails or has no transcript within the first-byte time hands the same audio to the next, ending with the embedded
/// engine. The caller's language (or the chain's) is passed on.
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
                var response = await engine.Client.GetTextAsync(new MemoryStream(audio, writable: false), effective, ct).ConfigureAwait(false);
                firstByte();
                return response;
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
