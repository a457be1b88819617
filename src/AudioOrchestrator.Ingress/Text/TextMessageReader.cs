using System.Text.Json;
using AudioOrchestrator.Contracts;

namespace AudioOrchestrator.Ingress.Text;

/// <summary>Why a text message was refused (a 400 with these words).</summary>
public sealed record TextMessageProblem(string Title, string Detail);

/// <summary>A text message as read: the message, or why it was refused.</summary>
public sealed record TextMessageReadResult(TextMessageRequest? Message, TextMessageProblem? Error = null, bool TooLarge = false);

/// <summary>Reads and checks the JSON body of a text message: bounded, well-formed, typed, a non-blank text within the limit.</summary>
public static class TextMessageReader
{
    /// <summary>The largest body accepted for a text limit: every character escaped (<c>\uXXXX</c>) plus room for the other fields.</summary>
    public static long BodyLimit(int maxTextCharacters) => (6L * maxTextCharacters) + 4096;

    public static async Task<TextMessageReadResult> ReadAsync(Stream body, long bodyLimit, int maxTextCharacters, JsonSerializerOptions json, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(body);
        var bytes = await BoundedRequestBody.ReadAsync(body, bodyLimit, cancellationToken).ConfigureAwait(false);
        return bytes is null ? new TextMessageReadResult(null, TooLarge: true) : Parse(bytes, maxTextCharacters, json);
    }

    /// <summary>Parses and checks a body already read.</summary>
    public static TextMessageReadResult Parse(ReadOnlySpan<byte> bytes, int maxTextCharacters, JsonSerializerOptions json)
    {
        if (bytes.Trim(" \t\r\n"u8).IsEmpty)
        {
            return Refused("Missing body", "Send a JSON object: { \"text\": \"...\", \"speaker\": \"ana\", \"speak\": false }.");
        }

        TextMessageRequest? message;
        try
        {
            message = JsonSerializer.Deserialize<TextMessageRequest>(bytes, json);
        }
        catch (JsonException ex)
        {
            return Refused("Invalid JSON", Explain(ex));
        }

        if (message is null)
        {
            return Refused("Missing body", "The body is JSON null; send { \"text\": \"...\" }.");
        }

        if (message.Text is null)
        {
            return Refused("Missing text", "The field 'text' (a string) is required.");
        }

        if (string.IsNullOrWhiteSpace(message.Text))
        {
            return Refused("Empty text", "The field 'text' is empty or only whitespace.");
        }

        if (message.Text.Length > maxTextCharacters)
        {
            return Refused("Text too long", $"The text is {message.Text.Length} characters; at most {maxTextCharacters} are accepted.");
        }

        if (message.Speaker is { } speaker && !Identifiers.IsValid(speaker))
        {
            return Refused("Invalid speaker id", "Speaker ids are 1-128 characters of letters, digits, '-', '_', '.' or ':'.");
        }

        return new TextMessageReadResult(message);
    }

    /// <summary>What was wrong, in the client's terms (the field and what it must be), without the service's type names.</summary>
    private static string Explain(JsonException ex) => ex.Path switch
    {
        "$.text" => "'text' must be a string.",
        "$.speaker" => "'speaker' must be a string.",
        "$.speak" => "'speak' must be true or false.",
        _ when ex.LineNumber is { } line && ex.BytePositionInLine is { } position =>
            $"The body is not a JSON object of the expected shape (line {line + 1}, byte {position + 1}). Send {{ \"text\": \"...\", \"speaker\": \"ana\", \"speak\": false }}.",
        _ => "The body is not a JSON object of the expected shape. Send { \"text\": \"...\", \"speaker\": \"ana\", \"speak\": false }.",
    };

    private static TextMessageReadResult Refused(string title, string detail) => new(null, new TextMessageProblem(title, detail));
}
