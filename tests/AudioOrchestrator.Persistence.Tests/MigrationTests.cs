using System.Reflection;
using AudioOrchestrator.Silo.Persistence;
using AudioOrchestrator.Testing;
using Microsoft.Extensions.Logging.Abstractions;

namespace AudioOrchestrator.Persistence.Tests;

/// <summary>The embedded schema migration: idempotent, safe concurrently, complete for the providers, clear when it cannot run.</summary>
[Collection("PostgreSQL")] // one at a time: each test starts silos on a shared 2-core machine
public sealed class MigrationTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static PostgresSchemaMigrator Migrator() => new(NullLogger<PostgresSchemaMigrator>.Instance);

    [Fact]
    public async Task Migration_runs_once_and_a_second_run_changes_nothing()
    {
        await using var db = await PostgresTestDatabase.CreateAsync(Ct);

        Assert.Equal([1], await Migrator().MigrateAsync(db.ConnectionString, Ct));
        Assert.Empty(await Migrator().MigrateAsync(db.ConnectionString, Ct));

        Assert.Equal(1L, await db.ScalarAsync<long>("SELECT count(*) FROM orleans_schema_version"));
        Assert.Equal(ExpectedQueryKeys().Count, (int)await db.ScalarAsync<long>("SELECT count(*) FROM orleansquery"));
        await Migrator().VerifyAsync(db.ConnectionString, Ct);
    }

    [Fact]
    public async Task Concurrent_migrations_apply_the_schema_exactly_once()
    {
        await using var db = await PostgresTestDatabase.CreateAsync(Ct);

        var runs = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(() => Migrator().MigrateAsync(db.ConnectionString, Ct), Ct)));

        Assert.Single(runs, r => r.Count == 1);
        Assert.Equal(3, runs.Count(r => r.Count == 0));
        Assert.Equal(1L, await db.ScalarAsync<long>("SELECT count(*) FROM orleans_schema_version"));
    }

    [Fact]
    public async Task The_script_itself_can_be_run_again_over_an_existing_schema()
    {
        // What a DBA re-running deploy/sql/postgresql/*.sql by hand does: every object exists already.
        await using var db = await PostgresTestDatabase.CreateAsync(Ct);
        await Migrator().MigrateAsync(db.ConnectionString, Ct);
        await using var connection = new Npgsql.NpgsqlConnection(db.ConnectionString);
        await connection.OpenAsync(Ct);
        foreach (var run in new[] { 1, 2 })
        {
            await using var transaction = await connection.BeginTransactionAsync(Ct);
            await using var command = new Npgsql.NpgsqlCommand(PostgresSchemaMigrator.Migrations[0].Sql, connection, transaction);
            await command.ExecuteNonQueryAsync(Ct);
            await transaction.CommitAsync(Ct);
        }

        Assert.Equal(ExpectedQueryKeys().Count, (int)await db.ScalarAsync<long>("SELECT count(*) FROM orleansquery"));
    }

    [Fact]
    public async Task Every_query_key_the_installed_providers_read_is_stored()
    {
        await using var db = await PostgresTestDatabase.CreateAsync(Ct);
        await Migrator().MigrateAsync(db.ConnectionString, Ct);

        var stored = new HashSet<string>(StringComparer.Ordinal);
        await using (var connection = new Npgsql.NpgsqlConnection(db.ConnectionString))
        {
            await connection.OpenAsync(Ct);
            await using var command = new Npgsql.NpgsqlCommand("SELECT querykey FROM orleansquery", connection);
            await using var reader = await command.ExecuteReaderAsync(Ct);
            while (await reader.ReadAsync(Ct))
            {
                stored.Add(reader.GetString(0));
            }
        }

        var needed = ExpectedQueryKeys();
        Assert.Empty(needed.Except(stored));
        Assert.Empty(stored.Except(needed));
    }

    [Fact]
    public void The_DBA_copy_in_deploy_is_the_embedded_script()
    {
        var root = new DirectoryInfo(AppContext.BaseDirectory);
        while (root is not null && !File.Exists(Path.Combine(root.FullName, "AudioOrchestrator.sln")))
        {
            root = root.Parent;
        }

        Assert.NotNull(root);
        foreach (var migration in PostgresSchemaMigrator.Migrations)
        {
            var copy = Path.Combine(root!.FullName, "deploy", "sql", "postgresql", migration.Name);
            Assert.True(File.Exists(copy), $"{copy} is missing");
            Assert.Equal(migration.Sql, File.ReadAllText(copy));
        }
    }

    [Fact]
    public async Task Start_up_fails_with_a_clear_error_when_PostgreSQL_is_unreachable()
    {
        var closedPort = LoopbackPorts.Free();
        await using var app = TestService.Build(TestService.AdoNet(
            $"Host=127.0.0.1;Port={closedPort};Username=nobody;Password=x;Database=nothing;Timeout=3", "c", "s"));

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => app.StartAsync(Ct));

        Assert.Contains("PostgreSQL at 127.0.0.1:" + closedPort, error.Message, StringComparison.Ordinal);
        Assert.Contains("unreachable", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Start_up_fails_when_the_schema_is_missing_and_migration_is_off()
    {
        await using var db = await PostgresTestDatabase.CreateAsync(Ct);
        var settings = TestService.AdoNet(db.ConnectionString, "c", "s");
        settings["Cluster:MigrateSchema"] = "false";
        await using var app = TestService.Build(settings);

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => app.StartAsync(Ct));

        Assert.Contains("lacks the Orleans schema", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_missing_connection_string_is_refused()
    {
        var error = await Record.ExceptionAsync(async () =>
        {
            await using var app = TestService.Build(TestService.AdoNet("", "c", "s"));
            await app.StartAsync(Ct);
        });

        Assert.NotNull(error);
        Assert.Contains("Cluster:ConnectionString is required", error!.Message, StringComparison.Ordinal);
    }

    /// <summary>The keys the installed provider packages read, found by reflection so a package update cannot silently add one.</summary>
    private static HashSet<string> ExpectedQueryKeys()
    {
        var keys = new HashSet<string>(StringComparer.Ordinal) { "WriteToStorageKey", "ReadFromStorageKey", "ClearStorageKey", "DeleteStorageKey" };
        foreach (var assembly in new[] { typeof(Orleans.Runtime.MembershipService.AdoNetClusteringTable).Assembly, Assembly.Load("Orleans.Reminders.AdoNet") })
        {
            var stored = assembly.GetTypes().Single(t => t.Name == "DbStoredQueries");
            foreach (var property in stored.GetProperties(BindingFlags.Instance | BindingFlags.NonPublic))
            {
                keys.Add(property.Name);
            }
        }

        return keys;
    }
}
