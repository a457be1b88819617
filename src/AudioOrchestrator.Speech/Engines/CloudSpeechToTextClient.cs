using System.Runtime.CompilerServices;
using Microsoft.Extensions.AI;

namespace AudioOrchestrator.Speech;

/// <summary>
/// A cloud speech-to-text engine (the Microsoft.Extensions.AI OpenAI adapter) asked the way its server offers: with
/// <paramref name="streaming"/>, the transcript comes as server-sent text deltas (<c>stream=true</c>, what
/// gpt-4o-transcribe and gpt-4o-mini-transcribe offer) and <see cref="GetTextAsync"/> joins them; without, every call is
/// one plain request and <see cref="GetStreamingTextAsync"/> yields its result (whisper-1 and most self-hosted servers
/// refuse <c>stream=true</c>).
/// </summary>
internal sealed class CloudSpeechToTextClient(ISpeechToTextClient inner, bool streaming) : DelegatingSpeechToTextClient(inner)
{
    /// <summary>True when requests stream.</summary>
    public bool Streaming => streaming;

    public override async Task<SpeechToTextResponse> GetTextAsync(Stream audioSpeechStream, SpeechToTextOptions? options = null, CancellationToken cancellationToken = default)
    {
        if (!streaming)
        {
            return await base.GetTextAsync(audioSpeechStream, options, cancellationToken).ConfigureAwait(false);
        }

        List<SpeechToTextResponseUpdate> updates = [];
        await foreach (var update in base.GetStreamingTextAsync(audioSpeechStream, options, cancellationToken).ConfigureAwait(false))
        {
            updates.Add(update);
        }

        return Join(updates);
    }

    public override async IAsyncEnumerable<SpeechToTextResponseUpdate> GetStreamingTextAsync(
        Stream audioSpeechStream, SpeechToTextOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        if (streaming)
        {
            await foreach (var update in base.GetStreamingTextAsync(audioSpeechStream, options, cancellationToken).ConfigureAwait(false))
            {
                yield return update;
            }

            yield break;
        }

        var response = await base.GetTextAsync(audioSpeechStream, options, cancellationToken).ConfigureAwait(false);
        foreach (var update in response.ToSpeechToTextResponseUpdates())
        {
            yield return update;
        }
    }

    /// <summary>
    /// The transcript of a stream of updates: the deltas joined (the adapter yields each <c>transcript.text.delta</c> as
    /// an update with its text, and <c>transcript.text.done</c> as a closing update without).
    /// </summary>
    public static SpeechToTextResponse Join(IReadOnlyList<SpeechToTextResponseUpdate> updates) => updates.ToSpeechToTextResponse();
}
