using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using AudioOrchestrator.Testing;

namespace AudioOrchestrator.Silo.Tests;

/// <summary>Every turn archived (SQLite, the embedded default) and read back through the sessions API.</summary>
public sealed class SessionArchiveTests(ServiceFixture service) : IClassFixture<ServiceFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private async Task SayAsync(string session, string speaker, string text)
    {
        using var response = await service.Http.PostAsJsonAsync($"/api/v1/sessions/{session}/messages", new { text, speaker, speak = false }, Ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    private async Task<JsonElement> GetAsync(string path)
    {
        using var response = await service.Http.GetAsync(path, Ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.Content.ReadFromJsonAsync<JsonElement>(Ct);
    }

    [Fact]
    public async Task Turns_are_archived_listed_searched_paged_and_deleted_with_the_session()
    {
        var session = "archive-" + Guid.NewGuid().ToString("N")[..8];
        var speaker = "speaker-" + Guid.NewGuid().ToString("N")[..8];
        await SayAsync(session, speaker, "echo one");
        await SayAsync(session, speaker, "echo two");
        await SayAsync(session, speaker, "echo three");

        // Appended off the turn's path: wait until all three are in.
        JsonElement listed = default;
        await TestWait.UntilAsync(
            async () =>
            {
                listed = await GetAsync($"/api/v1/sessions?speakerId={speaker}");
                return listed.GetProperty("items").GetArrayLength() == 1 && listed.GetProperty("items")[0].GetProperty("turnCount").GetInt64() == 3;
            },
            "the three turns in the archive");
        Assert.Equal(session, listed.GetProperty("items")[0].GetProperty("sessionId").GetString());

        var searched = await GetAsync($"/api/v1/sessions?speakerId={speaker}&q=two");
        var missed = await GetAsync($"/api/v1/sessions?speakerId={speaker}&q=zebra");
        Assert.Equal((1, 0), (searched.GetProperty("items").GetArrayLength(), missed.GetProperty("items").GetArrayLength()));

        var first = await GetAsync($"/api/v1/sessions/{session}/turns?limit=2");
        var cursor = first.GetProperty("nextCursor").GetString();
        var second = await GetAsync($"/api/v1/sessions/{session}/turns?limit=2&cursor={Uri.EscapeDataString(cursor!)}");
        var newest = await GetAsync($"/api/v1/sessions/{session}/turns?order=newest&limit=1");
        string[] Texts(JsonElement page) => [.. page.GetProperty("items").EnumerateArray().Select(t => t.GetProperty("responseText").GetString()!)];
        Assert.Equal(["one", "two"], Texts(first));
        Assert.Equal(["three"], Texts(second));
        Assert.Equal(JsonValueKind.Null, second.GetProperty("nextCursor").ValueKind);
        Assert.Equal(["three"], Texts(newest));

        using (var deleted = await service.Http.DeleteAsync($"/api/v1/sessions/{session}", Ct))
        {
            Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        }

        Assert.Equal(0, (await GetAsync($"/api/v1/sessions/{session}/turns")).GetProperty("items").GetArrayLength());
        Assert.Equal(0, (await GetAsync($"/api/v1/sessions?speakerId={speaker}")).GetProperty("items").GetArrayLength());
    }

    [Theory]
    [InlineData("/api/v1/sessions?cursor=not-a-cursor", "Invalid cursor")]
    [InlineData("/api/v1/sessions?limit=0", "Invalid limit")]
    [InlineData("/api/v1/sessions?since=2026-01-02T00:00:00Z&until=2026-01-01T00:00:00Z", "Invalid time range")]
    [InlineData("/api/v1/sessions?limit=many", null)]
    [InlineData("/api/v1/sessions/some-session/turns?cursor=AAAA", "Invalid cursor")]
    [InlineData("/api/v1/sessions/some-session/turns?order=sideways", "Invalid order")]
    [InlineData("/api/v1/sessions/bad%20id/turns", "Invalid session id")]
    [InlineData("/api/v1/sessions?guild=123", "Unknown query parameter")]
    [InlineData("/api/v1/sessions/some-session/turns?orderBy=newest", "Unknown query parameter")]
    [InlineData("/api/v1/sessions/some-session/transcript?fmt=markdown", "Unknown query parameter")]
    public async Task Bad_queries_are_400_with_a_problem_body(string path, string? title)
    {
        using var response = await service.Http.GetAsync(path, Ct);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        if (title is not null)
        {
            Assert.Equal(title, (await response.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("title").GetString());
        }
    }

    [Fact]
    public async Task Search_text_with_sql_and_fts_syntax_is_just_text()
    {
        foreach (var q in new[] { "\"unclosed", "a OR b", "x*", "-minus", "'; DROP TABLE archive_turns; --" })
        {
            var page = await GetAsync($"/api/v1/sessions?q={Uri.EscapeDataString(q)}");
            Assert.Equal(JsonValueKind.Array, page.GetProperty("items").ValueKind);
        }
    }
}
