using System.Buffers;
using System.Text.Json;

namespace AudioOrchestrator.Ingress.Live;

/// <summary>What a client's message is.</summary>
public enum LiveMessageKind
{
    /// <summary>Audio in the socket's format.</summary>
    Audio,

    /// <summary><c>{"type":"hello",...}</c> agreeing with the socket's format.</summary>
    Hello,

    /// <summary><c>{"type":"endOfSpeech"}</c>: close the open utterance now.</summary>
    EndOfSpeech,

    /// <summary>Not acceptable: the socket is closed with <see cref="LiveMessage.Close"/>.</summary>
    Rejected,
}

/// <summary>A classified client message.</summary>
public readonly record struct LiveMessage(LiveMessageKind Kind, LiveClose? Close = null)
{
    public static LiveMessage Reject(LiveClose close) => new(LiveMessageKind.Rejected, close);
}

/// <summary>
/// Sorts a client's messages (docs/live-voice.md): binary = audio of the socket's format (a WAV/RIFF or Ogg header or
/// JSON sent as binary is refused with 1003, odd-length PCM and packets that are not one 20 ms Opus frame with 1007);
/// text = a JSON control message (<c>hello</c>, <c>endOfSpeech</c>; malformed JSON 1007, another type 1003).
/// </summary>
public static class LiveMessageClassifier
{
    public const string HelloType = "hello";
    public const string EndOfSpeechType = "endOfSpeech";

    /// <summary>Control bytes JSON allows neither between tokens nor unescaped in strings (RFC 8259: only tab, LF, CR).</summary>
    private static readonly SearchValues<byte> NeverInJson = SearchValues.Create([.. Enumerable.Range(0, 0x20).Where(b => b is not ('\t' or '\n' or '\r')).Select(b => (byte)b)]);

    /// <summary>Classifies a binary message of <paramref name="format"/>.</summary>
    public static LiveMessage ClassifyBinary(ReadOnlySpan<byte> data, LiveAudioFormat format)
    {
        ArgumentNullException.ThrowIfNull(format);
        if (data.IsEmpty)
        {
            return LiveMessage.Reject(LiveClose.InvalidPayload("an empty binary message carries no audio"));
        }

        if (LooksLikeContainer(data) is { } container)
        {
            return LiveMessage.Reject(LiveClose.Unsupported($"{container} is not accepted: send raw {format.Describe()}"));
        }

        if (LooksLikeJson(data))
        {
            return LiveMessage.Reject(LiveClose.Unsupported("JSON sent as binary: control messages are text messages"));
        }

        if (format.IsOpus)
        {
            return OpusPacketCheck.Problem(data) is { } problem
                ? LiveMessage.Reject(LiveClose.InvalidPayload(problem))
                : new LiveMessage(LiveMessageKind.Audio);
        }

        return data.Length % 2 != 0
            ? LiveMessage.Reject(LiveClose.InvalidPayload($"pcm16 messages hold whole 16-bit samples; got {data.Length} bytes"))
            : new LiveMessage(LiveMessageKind.Audio);
    }

    /// <summary>Classifies a text (control) message on a socket of <paramref name="format"/>.</summary>
    public static LiveMessage ClassifyText(ReadOnlySpan<byte> utf8, LiveAudioFormat format)
    {
        ArgumentNullException.ThrowIfNull(format);
        JsonDocument document;
        try
        {
            var reader = new Utf8JsonReader(utf8, new JsonReaderOptions { MaxDepth = 8 });
            document = JsonDocument.ParseValue(ref reader);
        }
        catch (JsonException)
        {
            return LiveMessage.Reject(LiveClose.InvalidPayload("a control message must be a JSON object"));
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("type", out var type) || type.ValueKind != JsonValueKind.String)
            {
                return LiveMessage.Reject(LiveClose.InvalidPayload("a control message is a JSON object with a string \"type\""));
            }

            return type.GetString() switch
            {
                HelloType => CheckHello(root, format),
                EndOfSpeechType => new LiveMessage(LiveMessageKind.EndOfSpeech),
                var other => LiveMessage.Reject(LiveClose.Unsupported($"unknown control message type '{Shorten(other)}'; known: hello, endOfSpeech")),
            };
        }
    }

    private static LiveMessage CheckHello(JsonElement hello, LiveAudioFormat format)
    {
        if (hello.TryGetProperty("format", out var name) && (name.ValueKind != JsonValueKind.String || name.GetString() != format.Name))
        {
            return LiveMessage.Reject(LiveClose.Unsupported($"this socket's subprotocol is {format.Name}; got format {Shorten(name.ToString())}"));
        }

        if (hello.TryGetProperty("sampleRate", out var rate) && (!rate.TryGetInt32(out var hz) || hz != format.SampleRate))
        {
            return LiveMessage.Reject(LiveClose.Unsupported($"{format.Describe()}; got {Shorten(rate.ToString())} Hz"));
        }

        if (hello.TryGetProperty("channels", out var channels) && (!channels.TryGetInt32(out var count) || count != format.Channels))
        {
            return LiveMessage.Reject(LiveClose.Unsupported($"{format.Describe()}; got {Shorten(channels.ToString())} channels"));
        }

        return new LiveMessage(LiveMessageKind.Hello);
    }

    private static string? LooksLikeContainer(ReadOnlySpan<byte> data) =>
        data.StartsWith("RIFF"u8) || data.StartsWith("RIFX"u8) ? "a WAV/RIFF file"
        : data.StartsWith("OggS"u8) ? "an Ogg file"
        : data.StartsWith("fLaC"u8) ? "a FLAC file"
        : data.StartsWith("ID3"u8) ? "an MP3 file"
        : null;

    /// <summary>A whole JSON object or array (audio that happens to start with '{' does not parse as JSON).</summary>
    private static bool LooksLikeJson(ReadOnlySpan<byte> data)
    {
        var trimmed = data.TrimStart(" \t\r\n"u8);
        if (trimmed.IsEmpty || (trimmed[0] != (byte)'{' && trimmed[0] != (byte)'[') || trimmed.ContainsAny(NeverInJson))
        {
            // JSON text never holds a raw control byte; audio nearly always does. Audio is told apart here, not by
            // the parser's exception (about one pcm16 frame in a hundred starts with '{' or '[').
            return false;
        }

        try
        {
            var reader = new Utf8JsonReader(data, new JsonReaderOptions { MaxDepth = 64 });
            return JsonDocument.TryParseValue(ref reader, out var document) && Dispose(document) && reader.BytesConsumed > 0 && data[(int)reader.BytesConsumed..].TrimStart(" \t\r\n"u8).IsEmpty;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    private static bool Dispose(JsonDocument? document)
    {
        document?.Dispose();
        return true;
    }

    private static string Shorten(string? text) => text is null ? "null" : text.Length <= 24 ? text : text[..24] + "...";
}
