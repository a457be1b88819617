using System.Runtime.CompilerServices;
using AudioOrchestrator.Audio;
using Microsoft.Extensions.AI;

namespace AudioOrchestrator.Speech;

/// <summary>
/// A cloud text-to-speech client (OpenAI, Azure OpenAI, compatible servers) made to speak like the embedded one: Ogg
/// Opus or WAV asked for and checked whole before any of it is played (a body that is not what was asked for, e.g. an
/// HTML error page behind a proxy or a truncated Ogg page, is an error, so the chain moves on), and the engine's voice
/// unless the caller names one.
/// </summary>
internal sealed class CloudTextToSpeechClient(ITextToSpeechClient inner, string voice, CloudSpeechFormat format) : DelegatingTextToSpeechClient(inner)
{

    public override async Task<TextToSpeechResponse> GetAudioAsync(string text, TextToSpeechOptions? options = null, CancellationToken cancellationToken = default)
    {
        var response = await base.GetAudioAsync(text, WithDefaults(options), cancellationToken).ConfigureAwait(false);
        return new TextToSpeechResponse([.. response.Contents.Select(c => c is DataContent data ? Checked(data) : c)])
        {
            ModelId = response.ModelId,
            ResponseId = response.ResponseId,
        };
    }

    /// <summary>The whole sentence, checked, as one update (the adapter has no streaming request).</summary>
    public override async IAsyncEnumerable<TextToSpeechResponseUpdate> GetStreamingAudioAsync(
        string text, TextToSpeechOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var response = await GetAudioAsync(text, options, cancellationToken).ConfigureAwait(false);
        yield return new TextToSpeechResponseUpdate(response.Contents) { ModelId = response.ModelId, ResponseId = response.ResponseId };
    }

    private TextToSpeechOptions WithDefaults(TextToSpeechOptions? options)
    {
        var effective = options?.Clone() ?? new TextToSpeechOptions();
        effective.VoiceId ??= voice;
        effective.AudioFormat = format == CloudSpeechFormat.Opus ? "opus" : "wav";
        return effective;
    }

    /// <summary>The content checked, with the media type the synthesis stage reads it by.</summary>
    private DataContent Checked(DataContent content)
    {
        var data = content.Data.Span;
        try
        {
            if (format == CloudSpeechFormat.Opus)
            {
                _ = OggOpusReader.Read(data);
                return new DataContent(content.Data, SpeechAudioFormats.OggOpus);
            }

            _ = WavCodec.Decode(data);
            return new DataContent(content.Data, SpeechAudioFormats.Wav);
        }
        catch (Exception ex) when (ex is InvalidDataException or InvalidAudioException or ArgumentException)
        {
            var start = System.Text.Encoding.UTF8.GetString(data[..Math.Min(data.Length, 40)]).ReplaceLineEndings(" ");
            throw new InvalidDataException($"The speech server did not send {format} audio ({data.Length} bytes starting \"{start}\"): {ex.Message}", ex);
        }
    }
}
