using System.Text;
using AudioOrchestrator.Archive;
using AudioOrchestrator.Contracts;
using AudioOrchestrator.Silo.Transcripts;

namespace AudioOrchestrator.Silo.Tests.Events;

public sealed class TranscriptFormatTests
{
    [Theory]
    [InlineData(null, TranscriptFormat.Json)]
    [InlineData("*/*", TranscriptFormat.Json)]
    [InlineData("application/json", TranscriptFormat.Json)]
    [InlineData("text/markdown", TranscriptFormat.Markdown)]
    [InlineData("text/markdown; charset=utf-8", TranscriptFormat.Markdown)]
    [InlineData("text/*", TranscriptFormat.Markdown)]
    [InlineData("application/json;q=0.5, text/markdown", TranscriptFormat.Markdown)]
    [InlineData("text/html, application/json;q=0.1", TranscriptFormat.Json)]
    [InlineData("text/markdown;q=0, */*;q=0.1", TranscriptFormat.Json)]
    [InlineData("image/png", null)]
    [InlineData("text/markdown;q=0", null)]
    public void The_accept_header_chooses_the_format(string? accept, TranscriptFormat? expected) =>
        Assert.Equal(expected, TranscriptFormats.Negotiate(accept));

    [Fact]
    public void A_turn_of_the_minutes_says_when_who_what_which_agent_and_how_it_ended()
    {
        var at = new DateTimeOffset(2026, 12, 6, 3, 4, 5, TimeSpan.Zero);
        var text = new StringBuilder();
        SessionTranscriptWriter.AppendTurn(text, new ArchivedTurn(
            "s", null, "t1", "ana", "first line\nsecond line", "conversation", new TurnRoute(TurnRoute.Classifier, "chat"), "The answer.", true,
            "model timed out", null, null, null, at.AddSeconds(2), at, TurnSources.Text));

        Assert.Equal(
            "## 2026-12-06 03:04:05 UTC · `ana` (text)\n\n> first line\n> second line\n\n**conversation** (classifier: chat): The answer.\n\n"
            + "*Interrupted: the answer was cut short.*\n\n*Failed: model timed out*\n\n",
            text.ToString());
    }
}
