using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using AudioOrchestrator.Audio;
using Microsoft.Extensions.AI;

namespace AudioOrchestrator.Speech;

/// <summary>
/// A cloud text-to-speech client (OpenAI, Azure OpenAI, compatible servers) made to speak like the embedded one: WAV
/// asked for and checked (a body that is not a RIFF/WAVE file, e.g. an HTML error page behind a proxy, is an error, so
/// the chain moves on), and the engine's voice unless the caller names one.
/// </summary>
internal sealed class CloudTextToSpeechClient(ITextToSpeechClient inner, string voice) : DelegatingTextToSpeechClient(inner)
{
    /// <summary>The format asked of the server.</summary>
    public const string AudioFormat = "wav";

    public override async Task<TextToSpeechResponse> GetAudioAsync(string text, TextToSpeechOptions? options = null, CancellationToken cancellationToken = default)
    {
        var response = await base.GetAudioAsync(text, WithDefaults(options), cancellationToken).ConfigureAwait(false);
        foreach (var content in response.Contents.OfType<DataContent>())
        {
            Check(content);
        }

        return response;
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
        effective.AudioFormat = AudioFormat;
        return effective;
    }

    private static void Check(DataContent content)
    {
        var data = content.Data.Span;
        if (data.Length < 44 || BinaryPrimitives.ReadUInt32BigEndian(data) != 0x52494646 /* RIFF */ || BinaryPrimitives.ReadUInt32BigEndian(data[8..]) != 0x57415645 /* WAVE */)
        {
            var start = System.Text.Encoding.UTF8.GetString(data[..Math.Min(data.Length, 60)]).ReplaceLineEndings(" ");
            throw new InvalidDataException($"The speech server did not send a WAV file ({data.Length} bytes of {content.MediaType}, starting \"{start}\").");
        }

        // Decoding checks the rest (format, truncation) before any of it is spoken.
        _ = WavCodec.Decode(data);
    }
}
