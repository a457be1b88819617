using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using AudioOrchestrator.Contracts;
using AudioOrchestrator.Testing;

namespace AudioOrchestrator.Persistence.Tests;

/// <summary>
/// The session's recent window and the PostgreSQL archive (Archive:Store=Postgres) as one: a session continues across a
/// silo restart (its state in PostgreSQL grain storage, or rebuilt from the archive when its state is in memory), and
/// deleting it leaves nothing of it in the archive.
/// </summary>
[Collection("PostgreSQL")] // one at a time: each test starts silos on a shared 2-core machine
public sealed class SessionArchiveRestartTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static Dictionary<string, string?> Settings(PostgresTestDatabase db, string id, bool grainStorage)
    {
        var settings = TestService.AdoNet(db.ConnectionString, "cluster-" + id, "service-" + id, clustering: false, storage: grainStorage);
        settings["Archive:Store"] = "Postgres";
        settings["Archive:ConnectionString"] = db.ConnectionString;
        return settings;
    }

    private static async Task SayAsync(TestService service, string session, string text)
    {
        using var response = await service.Http.PostAsJsonAsync($"/api/v1/sessions/{session}/messages", new { text, speaker = "ada", speak = false }, Ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    private static async Task<SessionSnapshot> SnapshotAsync(TestService service, string session) =>
        (await service.Http.GetFromJsonAsync<SessionSnapshot>($"/api/v1/sessions/{session}", Ct))!;

    [Theory]
    [InlineData(true)] // the state in PostgreSQL grain storage
    [InlineData(false)] // the state in memory: rebuilt from the archive
    public async Task A_session_continues_after_a_silo_restart(bool grainStorage)
    {
        await using var db = await PostgresTestDatabase.CreateAsync(Ct);
        var id = Guid.NewGuid().ToString("N")[..8];
        var settings = Settings(db, id, grainStorage);
        var session = "restart-" + id;
        await using (var first = await TestService.StartAsync(settings))
        {
            foreach (var text in new[] { "echo one", "echo two", "echo three" })
            {
                await SayAsync(first, session, text);
            }
        }

        await using var second = await TestService.StartAsync(settings);
        var before = await SnapshotAsync(second, session);
        Assert.Equal(["one", "two", "three"], before.History.Select(t => t.ResponseText));
        Assert.Equal("3", before.Context[SessionContextKeys.TurnCount]);

        await SayAsync(second, session, "echo four");

        var after = await SnapshotAsync(second, session);
        Assert.Equal(["one", "two", "three", "four"], after.History.Select(t => t.ResponseText));
        Assert.Equal("4", after.Context[SessionContextKeys.TurnCount]);
        await TestWait.UntilAsync(
            async () => await db.ScalarAsync<long>("SELECT count(*) FROM archive_turns WHERE session_id = @s", ("s", session)) == 4,
            "the fourth turn in the archive");
        var turns = await second.Http.GetFromJsonAsync<JsonElement>($"/api/v1/sessions/{session}/turns", Ct);
        Assert.Equal(["one", "two", "three", "four"], turns.GetProperty("items").EnumerateArray().Select(t => t.GetProperty("responseText").GetString()));
    }

    [Fact]
    public async Task Deleting_a_session_leaves_nothing_of_it_in_the_archive_even_turns_still_queued()
    {
        await using var db = await PostgresTestDatabase.CreateAsync(Ct);
        var id = Guid.NewGuid().ToString("N")[..8];
        var session = "forget-" + id;
        await using var service = await TestService.StartAsync(Settings(db, id, grainStorage: true));
        await SayAsync(service, "kept-" + id, "echo stays");
        for (var i = 0; i < 5; i++)
        {
            await SayAsync(service, session, $"echo gone {i}");
        }

        using (var deleted = await service.Http.DeleteAsync($"/api/v1/sessions/{session}", Ct))
        {
            Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        }

        // The delete was queued behind the session's turns and waited for: nothing is left, and nothing comes later.
        await TestWait.UntilAsync(
            async () => await db.ScalarAsync<long>("SELECT count(*) FROM archive_turns WHERE session_id = @s", ("s", "kept-" + id)) == 1,
            "the other session's turn in the archive");
        Assert.Equal(0L, await db.ScalarAsync<long>("SELECT count(*) FROM archive_turns WHERE session_id = @s", ("s", session)));
        Assert.Equal(0L, await db.ScalarAsync<long>("SELECT count(*) FROM archive_sessions WHERE session_id = @s", ("s", session)));
        Assert.Equal(0L, await db.ScalarAsync<long>("SELECT count(*) FROM archive_turns WHERE search @@ plainto_tsquery('simple', 'gone')"));
        var listed = await service.Http.GetFromJsonAsync<JsonElement>("/api/v1/sessions?limit=200", Ct);
        Assert.DoesNotContain(listed.GetProperty("items").EnumerateArray(), s => s.GetProperty("sessionId").GetString() == session);
        using var unknown = await service.Http.GetAsync($"/api/v1/sessions/{session}", Ct);
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
    }
}
