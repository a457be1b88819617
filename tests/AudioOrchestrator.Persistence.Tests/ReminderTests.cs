using AudioOrchestrator.Testing;
using Orleans.Runtime;

namespace AudioOrchestrator.Persistence.Tests;

/// <summary>Reminders in PostgreSQL (wired with Cluster:Clustering=AdoNet).</summary>
[Collection("PostgreSQL")] // one at a time: each test starts silos on a shared 2-core machine
public sealed class ReminderTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_grain_reminder_is_stored_fires_and_is_removed()
    {
        await using var db = await PostgresTestDatabase.CreateAsync(Ct);
        var id = Guid.NewGuid().ToString("N")[..8];
        var service = "service-" + id;
        await using var silo = await TestService.StartAsync(TestService.AdoNet(db.ConnectionString, "cluster-" + id, service, storage: false));
        var probe = silo.Services.GetRequiredService<IGrainFactory>().GetGrain<IReminderProbeGrain>("probe-" + id);

        await probe.RegisterAsync("tick", TimeSpan.FromMilliseconds(500));

        Assert.Equal(1L, await db.ScalarAsync<long>(
            "SELECT count(*) FROM orleans_reminder WHERE service_id = @service AND reminder_name = 'tick' AND period = 60000", ("service", service)));
        Assert.Equal(["tick"], await probe.ListAsync());
        // Orleans starts a silo's reminder service in the background after the silo (it first reads its range of the
        // table), and only then the reminder's timer: on a loaded machine that can take well over the default wait.
        await TestWait.UntilAsync(async () => await probe.GetTicksAsync() > 0, "the reminder to fire", TimeSpan.FromSeconds(90));

        await probe.UnregisterAsync("tick");
        // (The service's own retention reminder, of grain archive-retention, stays.)
        Assert.Equal(0L, await db.ScalarAsync<long>("SELECT count(*) FROM orleans_reminder WHERE service_id = @service AND reminder_name = 'tick'", ("service", service)));
    }

    [Fact]
    public async Task The_reminder_table_answers_every_query_of_the_contract()
    {
        await using var db = await PostgresTestDatabase.CreateAsync(Ct);
        var id = Guid.NewGuid().ToString("N")[..8];
        await using var silo = await TestService.StartAsync(TestService.AdoNet(db.ConnectionString, "cluster-" + id, "service-" + id, storage: false));
        var table = silo.Services.GetRequiredService<IReminderTable>();
        var grain = GrainId.Create("probe", "table-" + id);
        var hash = grain.GetUniformHashCode();

        var etag = await table.UpsertRow(new ReminderEntry { GrainId = grain, ReminderName = "a", StartAt = DateTime.UtcNow, Period = TimeSpan.FromMinutes(5) }, Ct);
        var etag2 = await table.UpsertRow(new ReminderEntry { GrainId = grain, ReminderName = "a", StartAt = DateTime.UtcNow, Period = TimeSpan.FromMinutes(6) }, Ct);
        Assert.NotEqual(etag, etag2);
        await table.UpsertRow(new ReminderEntry { GrainId = grain, ReminderName = "b", StartAt = DateTime.UtcNow, Period = TimeSpan.FromDays(30) }, Ct);

        var row = await table.ReadRow(grain, "a", Ct);
        Assert.NotNull(row);
        Assert.Equal((grain, "a", TimeSpan.FromMinutes(6), etag2), (row!.GrainId, row.ReminderName, row.Period, row.ETag));
        Assert.Equal(DateTimeKind.Utc, row.StartAt.Kind);
        Assert.Null(await table.ReadRow(grain, "missing", Ct));
        Assert.Equal(2, (await table.ReadRows(grain, Ct)).Reminders.Count);

        // Ring ranges (begin, end]: a plain range, a wrapping one, and one that excludes the grain. (The whole ring also
        // holds the service's own retention reminder.)
        Assert.Equal(2, (await table.ReadRows(unchecked(hash - 1), hash, Ct)).Reminders.Count(r => r.GrainId == grain));
        Assert.Equal(2, (await table.ReadRows(hash, hash, Ct)).Reminders.Count(r => r.GrainId == grain));
        Assert.Equal(2, (await table.ReadRows(unchecked(hash + 10), unchecked(hash + 5), Ct)).Reminders.Count(r => r.GrainId == grain));
        Assert.DoesNotContain((await table.ReadRows(hash, unchecked(hash + 1), Ct)).Reminders, r => r.GrainId == grain);

        Assert.False(await table.RemoveRow(grain, "a", etag!, Ct));
        Assert.True(await table.RemoveRow(grain, "a", etag2!, Ct));
        Assert.Single((await table.ReadRows(grain, Ct)).Reminders);
        Assert.Equal(TimeSpan.FromDays(30), (await table.ReadRow(grain, "b", Ct))!.Period);
    }
}
