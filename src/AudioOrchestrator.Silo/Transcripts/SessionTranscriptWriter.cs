using System.Globalization;
using System.Text;
using System.Text.Json;
using AudioOrchestrator.Archive;
using AudioOrchestrator.Contracts;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.Options;

namespace AudioOrchestrator.Silo.Transcripts;

/// <summary>
/// Writes a session's whole archived history as its minutes, page by page as it is read (a long session is never held
/// in memory): JSON (<c>sessionId</c>, <c>guildId</c>, <c>turns</c> as the turns API gives them) or Markdown.
/// </summary>
public sealed class SessionTranscriptWriter(ITurnArchive archive, IOptions<JsonOptions> json)
{
    /// <summary>The first page of the session's turns, oldest first; empty when nothing of it is archived.</summary>
    public Task<ArchivePage<ArchivedTurn>> FirstPageAsync(string sessionId, CancellationToken cancellationToken) =>
        archive.GetTurnsAsync(sessionId, new TurnQuery(Limit: ArchiveLimits.MaxLimit), cancellationToken);

    /// <summary>Writes the transcript that starts with <paramref name="first"/> to <paramref name="response"/>.</summary>
    public async Task WriteAsync(HttpResponse response, string sessionId, TranscriptFormat format, ArchivePage<ArchivedTurn> first, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(response);
        ArgumentNullException.ThrowIfNull(first);
        response.ContentType = (format == TranscriptFormat.Markdown ? TranscriptFormats.MarkdownMediaType : TranscriptFormats.JsonMediaType) + "; charset=utf-8";
        if (format == TranscriptFormat.Markdown)
        {
            await WriteMarkdownAsync(response, sessionId, first, cancellationToken);
        }
        else
        {
            await WriteJsonAsync(response, sessionId, first, cancellationToken);
        }
    }

    private async IAsyncEnumerable<IReadOnlyList<ArchivedTurn>> PagesAsync(string sessionId, ArchivePage<ArchivedTurn> first, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var page = first;
        while (true)
        {
            yield return page.Items;
            if (page.NextCursor is not { } cursor)
            {
                yield break;
            }

            page = await archive.GetTurnsAsync(sessionId, new TurnQuery(Limit: ArchiveLimits.MaxLimit, Cursor: cursor), cancellationToken);
        }
    }

    private async Task WriteJsonAsync(HttpResponse response, string sessionId, ArchivePage<ArchivedTurn> first, CancellationToken cancellationToken)
    {
        var options = json.Value.SerializerOptions;
        await using var writer = new Utf8JsonWriter(response.BodyWriter);
        writer.WriteStartObject();
        writer.WriteString("sessionId", sessionId);
        writer.WriteString("guildId", first.Items.Select(t => t.GuildId).FirstOrDefault(g => g is not null));
        writer.WriteStartArray("turns");
        await foreach (var page in PagesAsync(sessionId, first, cancellationToken))
        {
            foreach (var turn in page)
            {
                JsonSerializer.Serialize(writer, turn, options);
            }

            await writer.FlushAsync(cancellationToken);
            await response.BodyWriter.FlushAsync(cancellationToken);
        }

        writer.WriteEndArray();
        writer.WriteEndObject();
        await writer.FlushAsync(cancellationToken);
    }

    private async Task WriteMarkdownAsync(HttpResponse response, string sessionId, ArchivePage<ArchivedTurn> first, CancellationToken cancellationToken)
    {
        var text = new StringBuilder();
        text.Append("# Session `").Append(sessionId).Append("`\n\n");
        if (first.Items.Select(t => t.GuildId).FirstOrDefault(g => g is not null) is { } guildId)
        {
            text.Append("Discord guild `").Append(guildId).Append("`\n\n");
        }

        await foreach (var page in PagesAsync(sessionId, first, cancellationToken))
        {
            foreach (var turn in page)
            {
                AppendTurn(text, turn);
            }

            await response.WriteAsync(text.ToString(), cancellationToken);
            text.Clear();
        }
    }

    /// <summary>One turn of the minutes: when and who, what was said (quoted), which agent answered and how, interrupted or failed.</summary>
    public static void AppendTurn(StringBuilder text, ArchivedTurn turn)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(turn);
        var at = (turn.SpeechStartedAt ?? turn.CommittedAt).UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture);
        text.Append("## ").Append(at).Append(" UTC · `").Append(turn.SpeakerId).Append('`');
        if (turn.Source != TurnSources.Voice)
        {
            text.Append(" (").Append(turn.Source).Append(')');
        }

        text.Append("\n\n");
        foreach (var line in SplitLines(turn.Transcript))
        {
            text.Append("> ").Append(line).Append('\n');
        }

        text.Append("\n**").Append(turn.Agent).Append("**");
        if (turn.Route is { } route)
        {
            text.Append(" (").Append(route.Reason);
            if (!string.IsNullOrWhiteSpace(route.Detail))
            {
                text.Append(": ").Append(route.Detail.ReplaceLineEndings(" "));
            }

            text.Append(')');
        }

        text.Append(": ").Append(turn.ResponseText.Trim()).Append("\n\n");
        if (turn.Interrupted)
        {
            text.Append("*Interrupted: the answer was cut short.*\n\n");
        }

        if (turn.Error is { } error)
        {
            text.Append("*Failed: ").Append(error.ReplaceLineEndings(" ")).Append("*\n\n");
        }
    }

    private static string[] SplitLines(string value) => value.Length == 0 ? [""] : value.ReplaceLineEndings("\n").Split('\n');
}
