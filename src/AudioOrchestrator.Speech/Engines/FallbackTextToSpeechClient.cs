using System.Runtime.CompilerServices;
using Microsoft.Extensions.AI;

namespace AudioOrchestrator.Speech;

/// <summary>
/// Text-to-speech over a chain of engines: the sentence goes to the first engine whose breaker is closed; one that fails
/// or sends no audio within the first-byte time hands the sentence to the next, ending with the embedded engine. Once
/// audio has come, the rest comes from the same engine. The guild's voice (or the chain's) is passed to cloud engines.
/// </summary>
internal sealed class FallbackTextToSpeechClient(SpeechEngineChain<ITextToSpeechClient> chain, string? voice, double? speed) : ITextToSpeechClient
{
    /// <summary>The whole sentence from the first engine that delivers it whole and well-formed (a truncated body falls back too).</summary>
    public Task<TextToSpeechResponse> GetAudioAsync(string text, TextToSpeechOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(text);
        return chain.RunAsync(
            async (engine, ct, firstByte) =>
            {
                var response = await engine.Client.GetAudioAsync(text, EngineOptions(engine, options), ct).ConfigureAwait(false);
                firstByte();
                return response;
            },
            cancellationToken);
    }

    public async IAsyncEnumerable<TextToSpeechResponseUpdate> GetStreamingAudioAsync(
        string text, TextToSpeechOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(text);

        // The first update is awaited inside the chain (so a stall or failure before it moves on); the rest stream on.
        var (enumerator, first) = await chain.RunAsync<(IAsyncEnumerator<TextToSpeechResponseUpdate>, TextToSpeechResponseUpdate?)>(
            async (engine, ct, firstByte) =>
            {
                var e = engine.Client.GetStreamingAudioAsync(text, EngineOptions(engine, options), ct).GetAsyncEnumerator(ct);
                try
                {
                    var any = await e.MoveNextAsync().ConfigureAwait(false);
                    firstByte();
                    return (e, any ? e.Current : null);
                }
                catch
                {
                    await e.DisposeAsync().ConfigureAwait(false);
                    throw;
                }
            },
            cancellationToken).ConfigureAwait(false);

        await using (enumerator.ConfigureAwait(false))
        {
            if (first is null)
            {
                yield break;
            }

            yield return first;
            while (await enumerator.MoveNextAsync().ConfigureAwait(false))
            {
                yield return enumerator.Current;
            }
        }
    }

    /// <summary>The caller's options with the chain's voice and speed for cloud engines.</summary>
    private TextToSpeechOptions EngineOptions(SpeechEngineLink<ITextToSpeechClient> engine, TextToSpeechOptions? options)
    {
        var engineOptions = options?.Clone() ?? new TextToSpeechOptions();
        if (engine.Kind != SpeechEngineKind.Embedded)
        {
            engineOptions.VoiceId ??= voice;
            engineOptions.Speed ??= (float?)speed;
        }

        return engineOptions;
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
}
