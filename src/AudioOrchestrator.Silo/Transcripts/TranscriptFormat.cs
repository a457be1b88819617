using Microsoft.Extensions.Primitives;
using Microsoft.Net.Http.Headers;

namespace AudioOrchestrator.Silo.Transcripts;

/// <summary>The JSON transcript (written page by page by <see cref="SessionTranscriptWriter"/>; this record describes it in the OpenAPI document).</summary>
/// <param name="SessionId">The session.</param>
/// <param name="GuildId">Its Discord guild (from its first turn that names one); null for REST sessions.</param>
/// <param name="Turns">Every archived turn, oldest first.</param>
public sealed record SessionTranscript(string SessionId, string? GuildId, IReadOnlyList<AudioOrchestrator.Archive.ArchivedTurn> Turns);

/// <summary>The formats of a session's transcript.</summary>
public enum TranscriptFormat
{
    Json,
    Markdown,
}

/// <summary>Chooses a transcript's format from <c>?format=</c> or the <c>Accept</c> header.</summary>
public static class TranscriptFormats
{
    public const string MarkdownMediaType = "text/markdown";
    public const string JsonMediaType = "application/json";

    /// <summary>The format named by <c>?format=</c> (<c>json</c>, <c>markdown</c> or <c>md</c>); null for anything else.</summary>
    public static TranscriptFormat? FromQuery(string format) => format.Trim().ToLowerInvariant() switch
    {
        "json" => TranscriptFormat.Json,
        "markdown" or "md" => TranscriptFormat.Markdown,
        _ => null,
    };

    /// <summary>
    /// The format the client accepts most (JSON without an Accept header, for <c>*/*</c> and <c>application/*</c>;
    /// Markdown for <c>text/*</c>); null when it accepts neither (406).
    /// </summary>
    public static TranscriptFormat? Negotiate(StringValues accept)
    {
        if (StringValues.IsNullOrEmpty(accept))
        {
            return TranscriptFormat.Json;
        }

        if (!MediaTypeHeaderValue.TryParseList(accept, out var ranges))
        {
            return null;
        }

        foreach (var range in ranges.Where(r => (r.Quality ?? 1) > 0).OrderByDescending(r => r.Quality ?? 1))
        {
            var type = range.MediaType.Value?.ToLowerInvariant();
            TranscriptFormat? format = type switch
            {
                JsonMediaType or "*/*" or "application/*" => TranscriptFormat.Json,
                MarkdownMediaType or "text/*" => TranscriptFormat.Markdown,
                _ => null,
            };
            if (format is not null)
            {
                return format;
            }
        }

        return null;
    }
}
