using System.ClientModel;
using System.ClientModel.Primitives;
using System.Runtime.CompilerServices;
using System.Text.Json;
using AudioOrchestrator.Audio;
using Microsoft.Extensions.AI;
using OpenAI.Audio;

namespace AudioOrchestrator.Speech;

/// <summary>
/// A cloud text-to-speech client (OpenAI, Azure OpenAI, compatible servers) that streams: <c>POST /audio/speech</c>
/// through the OpenAI SDK's pipeline (auth, retries, Azure routing) with the body left unbuffered, so each piece of the
/// chunked body is handed on as it arrives and the first audio is played before the server has finished. (The
/// Microsoft.Extensions.AI adapter streams only through server-sent events, which gpt-4o-mini-tts alone offers; a
/// chunked body is what every model and compatible server sends.) The start of the body is checked before anything is
/// handed on: an HTML page behind a proxy, a JSON error or an empty body is an error, so the chain moves on to the next
/// engine. The engine's voice is used unless the caller names one.
/// </summary>
internal sealed class CloudTextToSpeechClient(AudioClient audio, string model, string voice, CloudSpeechFormat format) : ITextToSpeechClient
{
    private const int ReadBuffer = 16 * 1024;

    /// <summary>Bytes needed to recognise the body: an Ogg page's capture pattern, a RIFF/WAVE header.</summary>
    private const int SignatureBytes = 12;

    private readonly TextToSpeechClientMetadata _metadata = new("openai", null, model);

    /// <summary>The media type of the audio asked for (raw PCM: 16-bit little-endian mono at 24 kHz, as OpenAI sends it).</summary>
    public string MediaType => format switch
    {
        CloudSpeechFormat.Opus => SpeechAudioFormats.OggOpus,
        CloudSpeechFormat.Pcm => SpeechAudioFormats.Pcm,
        _ => SpeechAudioFormats.Wav,
    };

    /// <summary>The whole sentence, checked as a whole (a truncated Ogg page or WAV is an error here).</summary>
    public async Task<TextToSpeechResponse> GetAudioAsync(string text, TextToSpeechOptions? options = null, CancellationToken cancellationToken = default)
    {
        using var body = new MemoryStream();
        await foreach (var update in GetStreamingAudioAsync(text, options, cancellationToken).ConfigureAwait(false))
        {
            foreach (var data in update.Contents.OfType<DataContent>())
            {
                body.Write(data.Data.Span);
            }
        }

        var audioBytes = body.ToArray();
        CheckWhole(audioBytes);
        return new TextToSpeechResponse([new DataContent(audioBytes, MediaType)]) { ModelId = model };
    }

    public async IAsyncEnumerable<TextToSpeechResponseUpdate> GetStreamingAudioAsync(
        string text, TextToSpeechOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(text);
        using var content = BinaryContent.Create(BinaryData.FromBytes(RequestBody(text, options)));
        var result = await audio.GenerateSpeechAsync(content, new RequestOptions { BufferResponse = false, CancellationToken = cancellationToken }).ConfigureAwait(false);
        using var response = result.GetRawResponse();
        var stream = response.ContentStream ?? throw new InvalidDataException("The speech server sent no body.");
        var contentType = response.Headers.TryGetValue("Content-Type", out var type) ? type : null;

        // Hold the first bytes until the body can be recognised; from then on, every piece goes on as it comes.
        var start = new MemoryStream();
        var buffer = new byte[ReadBuffer];
        int read;
        while ((read = await stream.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
        {
            if (start is not null)
            {
                start.Write(buffer, 0, read);
                if (start.Length < SignatureBytes)
                {
                    continue;
                }

                var first = start.ToArray();
                start = null;
                CheckStart(first, contentType);
                yield return Update(first);
                continue;
            }

            yield return Update(buffer.AsSpan(0, read).ToArray());
        }

        if (start is not null)
        {
            // A body shorter than a signature: checked (and refused) as it is.
            var all = start.ToArray();
            CheckStart(all, contentType);
            yield return Update(all);
        }
    }

    public object? GetService(Type serviceType, object? serviceKey = null)
    {
        ArgumentNullException.ThrowIfNull(serviceType);
        if (serviceKey is not null)
        {
            return null;
        }

        return serviceType.IsInstanceOfType(this) ? this
            : serviceType.IsInstanceOfType(audio) ? audio
            : serviceType == typeof(TextToSpeechClientMetadata) ? _metadata
            : null;
    }

    public void Dispose()
    {
        // The AudioClient holds no resources of its own; the HTTP client belongs to the engine registry.
    }

    private TextToSpeechResponseUpdate Update(byte[] bytes) =>
        new([new DataContent(bytes, MediaType)]) { ModelId = model, Kind = TextToSpeechResponseUpdateKind.AudioUpdating };

    private byte[] RequestBody(string text, TextToSpeechOptions? options)
    {
        using var json = new MemoryStream();
        using (var writer = new Utf8JsonWriter(json))
        {
            writer.WriteStartObject();
            writer.WriteString("model", options?.ModelId ?? model);
            writer.WriteString("input", text);
            writer.WriteString("voice", options?.VoiceId ?? voice);
            writer.WriteString("response_format", format switch
            {
                CloudSpeechFormat.Opus => "opus",
                CloudSpeechFormat.Pcm => "pcm",
                _ => "wav",
            });
            if (options?.Speed is { } speed)
            {
                writer.WriteNumber("speed", speed);
            }

            writer.WriteEndObject();
        }

        return json.ToArray();
    }

    /// <summary>The body's first bytes are the format asked for, not an error page or JSON.</summary>
    private void CheckStart(byte[] first, string? contentType)
    {
        var looksLikeText = contentType is not null
            && (contentType.StartsWith("text/", StringComparison.OrdinalIgnoreCase) || contentType.Contains("json", StringComparison.OrdinalIgnoreCase));
        var signature = format switch
        {
            CloudSpeechFormat.Opus => first.AsSpan().StartsWith("OggS"u8),
            CloudSpeechFormat.Wav => first.Length >= SignatureBytes && first.AsSpan().StartsWith("RIFF"u8) && first.AsSpan(8).StartsWith("WAVE"u8),
            _ => first.Length > 0,
        };
        if (looksLikeText || !signature)
        {
            throw NotAudio(first, contentType, "its start is not " + format switch
            {
                CloudSpeechFormat.Opus => "an Ogg page",
                CloudSpeechFormat.Wav => "a RIFF/WAVE header",
                _ => "16-bit PCM",
            });
        }
    }

    /// <summary>A whole body decodes as the format asked for.</summary>
    private void CheckWhole(byte[] body)
    {
        try
        {
            switch (format)
            {
                case CloudSpeechFormat.Opus:
                    _ = OggOpusReader.Read(body);
                    break;
                case CloudSpeechFormat.Wav:
                    _ = WavCodec.Decode(body);
                    break;
                default:
                    if (body.Length % 2 != 0)
                    {
                        throw new InvalidDataException($"{body.Length} bytes is not a whole number of 16-bit samples.");
                    }

                    break;
            }
        }
        catch (Exception ex) when (ex is InvalidDataException or InvalidAudioException)
        {
            throw NotAudio(body, null, ex.Message);
        }
    }

    private InvalidDataException NotAudio(byte[] data, string? contentType, string why)
    {
        var start = System.Text.Encoding.UTF8.GetString(data.AsSpan(0, Math.Min(data.Length, 40))).ReplaceLineEndings(" ");
        return new InvalidDataException(
            $"The speech server did not send {format} audio ({data.Length} bytes{(contentType is null ? "" : $" of {contentType}")} starting \"{start}\"): {why}.");
    }
}
