using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using AudioOrchestrator.Contracts;
using AudioOrchestrator.Ingress.Uploads;
using AudioOrchestrator.Testing;

namespace AudioOrchestrator.Persistence.Tests;

/// <summary>Sessions in PostgreSQL (Cluster:GrainStorage=AdoNet): durable across a full restart, stored as plain JSON.</summary>
[Collection("PostgreSQL")] // one at a time: each test starts silos on a shared 2-core machine
public sealed class GrainStorageTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_turn_survives_a_restart_is_stored_as_plain_json_and_delete_removes_the_row()
    {
        await using var db = await PostgresTestDatabase.CreateAsync(Ct);
        var id = Guid.NewGuid().ToString("N")[..8];
        var settings = TestService.AdoNet(db.ConnectionString, "cluster-" + id, "service-" + id);
        var session = "durable-" + id;

        await using (var first = await TestService.StartAsync(settings))
        {
            using var posted = await first.AskEchoAsync(session);
            Assert.Equal(HttpStatusCode.OK, posted.StatusCode);
            var answer = await posted.Content.ReadFromJsonAsync<UtteranceResponse>(Ct);
            Assert.Equal(("echo hello world", "hello world"), (answer!.Transcript, answer.ResponseText));
        }

        // The stored row is the System.Text.Json document of the session, readable by SQL.
        var json = await db.ScalarAsync<string>(
            "SELECT convert_from(payload, 'UTF8') FROM orleans_grain_state WHERE service_id = @service AND grain_id_extension = @session AND grain_type = 'session'",
            ("service", "service-" + id),
            ("session", session));
        Assert.NotNull(json);
        Assert.DoesNotContain("$type", json, StringComparison.Ordinal);
        using (var document = JsonDocument.Parse(json!))
        {
            Assert.Contains("echo hello world", document.RootElement.GetRawText(), StringComparison.Ordinal);
        }

        Assert.Equal("hello world", await db.ScalarAsync<string>(
            "SELECT t->>(SELECT k FROM jsonb_object_keys(t) k WHERE lower(k) = 'responsetext') "
            + "FROM orleans_grain_state, jsonb_path_query(convert_from(payload, 'UTF8')::jsonb, 'strict $.**') t "
            + "WHERE service_id = @service AND grain_id_extension = @session AND grain_type = 'session' AND jsonb_typeof(t) = 'object' "
            + "AND EXISTS (SELECT 1 FROM jsonb_object_keys(t) k WHERE lower(k) = 'responsetext') LIMIT 1",
            ("service", "service-" + id),
            ("session", session)));

        // A new service on the same database sees the turn; DELETE removes the row, and the output relay's handover of
        // the session's last answers (written when the first service stopped) with it.
        await using var second = await TestService.StartAsync(settings);
        var snapshot = await second.Http.GetFromJsonAsync<SessionSnapshot>($"/api/v1/sessions/{session}", Ct);
        var turn = Assert.Single(snapshot!.History);
        Assert.Equal(("echo hello world", "echo", "hello world"), (turn.Transcript, turn.Agent, turn.ResponseText));

        using (var deleted = await second.Http.DeleteAsync($"/api/v1/sessions/{session}", Ct))
        {
            Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        }

        Assert.Equal(0L, await db.ScalarAsync<long>(
            "SELECT count(*) FROM orleans_grain_state WHERE service_id = @service AND grain_id_extension = @session",
            ("service", "service-" + id),
            ("session", session)));
        using var gone = await second.Http.GetAsync($"/api/v1/sessions/{session}", Ct);
        Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode);
    }
}
