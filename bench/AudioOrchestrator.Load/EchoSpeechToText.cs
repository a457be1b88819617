using Microsoft.Extensions.AI;

namespace AudioOrchestrator.Load;

/// <summary>
/// An instant, deterministic speech-to-text double for the load run: every utterance the service segments is heard as
/// "echo hello world" (the echo agent answers "hello world"), whatever its words, so the pipeline is measured, not a
/// recogniser. The utterance is still read whole, as an engine would.
/// </summary>
internal sealed class EchoSpeechToText : ISpeechToTextClient
{
    public const string Transcript = "echo hello world";

    public async Task<SpeechToTextResponse> GetTextAsync(Stream audioSpeechStream, SpeechToTextOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(audioSpeechStream);
        await audioSpeechStream.CopyToAsync(Stream.Null, cancellationToken);
        return new SpeechToTextResponse(Transcript);
    }

    public async IAsyncEnumerable<SpeechToTextResponseUpdate> GetStreamingTextAsync(
        Stream audioSpeechStream, SpeechToTextOptions? options = null, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var response = await GetTextAsync(audioSpeechStream, options, cancellationToken);
        foreach (var update in response.ToSpeechToTextResponseUpdates())
        {
            yield return update;
        }
    }

    public object? GetService(Type serviceType, object? serviceKey = null) => serviceType?.IsInstanceOfType(this) == true ? this : null;

    public void Dispose()
    {
    }
}
