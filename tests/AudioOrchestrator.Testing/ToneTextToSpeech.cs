using AudioOrchestrator.Audio;
using Microsoft.Extensions.AI;

namespace AudioOrchestrator.Testing;

/// <summary>
/// An instant text-to-speech double: each sentence becomes a 300 Hz tone of 40 ms per character at 22,050 Hz
/// (espeak-ng's rate), so tests can check that the answer's length follows its text.
/// </summary>
public sealed class ToneTextToSpeech : ITextToSpeechClient
{
    public const int SampleRate = 22050;
    public const int MillisecondsPerCharacter = 40;

    public static PcmAudio Speak(string sentence) =>
        TestAudio.Tone(300, Math.Max(1, sentence.Length) * MillisecondsPerCharacter, SampleRate);

    public Task<TextToSpeechResponse> GetAudioAsync(string text, TextToSpeechOptions? options = null, CancellationToken cancellationToken = default) =>
        Task.FromResult(new TextToSpeechResponse([new DataContent(WavCodec.Encode(Speak(text)), "audio/wav")]));

    public async IAsyncEnumerable<TextToSpeechResponseUpdate> GetStreamingAudioAsync(
        string text, TextToSpeechOptions? options = null, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(text);
        foreach (var sentence in text.Split(['.', '!', '?'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            cancellationToken.ThrowIfCancellationRequested();
            yield return new TextToSpeechResponseUpdate([new DataContent(WavCodec.Encode(Speak(sentence)), "audio/wav")]);
            await Task.Yield();
        }
    }

    public object? GetService(Type serviceType, object? serviceKey = null) => serviceType?.IsInstanceOfType(this) == true ? this : null;

    public void Dispose()
    {
    }
}
