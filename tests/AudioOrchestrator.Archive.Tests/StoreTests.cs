using AudioOrchestrator.Testing;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging.Abstractions;

namespace AudioOrchestrator.Archive.Tests;

/// <summary>The contract against the SQLite store, on a temporary file.</summary>
public sealed class SqliteTurnArchiveTests : TurnArchiveContractTests
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "ao-archive-tests", Guid.NewGuid().ToString("N"));

    private string DatabasePath => Path.Combine(_directory, "nested", "archive.db");

    protected override Task<RelationalTurnArchive> CreateArchiveAsync(CancellationToken cancellationToken) =>
        Task.FromResult<RelationalTurnArchive>(new SqliteTurnArchive(DatabasePath, NullLogger<SqliteTurnArchive>.Instance));

    protected override async Task<long> CountStoredRowsAsync(string sessionId, string uniqueWord)
    {
        await using var connection = new SqliteConnection($"Data Source={DatabasePath};Pooling=False");
        await connection.OpenAsync(TestContext.Current.CancellationToken);
        long total = 0;
        foreach (var (sql, value) in new[]
        {
            ("SELECT count(*) FROM archive_turns WHERE session_id = @v", sessionId),
            ("SELECT count(*) FROM archive_sessions WHERE session_id = @v", sessionId),
            ("SELECT count(*) FROM archive_turns_fts WHERE archive_turns_fts MATCH @v", "\"" + uniqueWord + "\""),
        })
        {
            await using var command = new SqliteCommand(sql, connection);
            command.Parameters.AddWithValue("@v", value);
            total += (long)(await command.ExecuteScalarAsync(TestContext.Current.CancellationToken))!;
        }

        return total;
    }

    protected override Task DisposeStoreAsync()
    {
        SqliteConnection.ClearAllPools();
        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }

        return Task.CompletedTask;
    }

    [Fact]
    public async Task The_file_is_created_with_its_directory_in_WAL_mode()
    {
        var ct = TestContext.Current.CancellationToken;
        await Archive.InitializeAsync(ct);
        Assert.True(File.Exists(DatabasePath));
        await using var connection = new SqliteConnection($"Data Source={DatabasePath};Pooling=False");
        await connection.OpenAsync(ct);
        await using var command = new SqliteCommand("PRAGMA journal_mode", connection);
        Assert.Equal("wal", (string?)await command.ExecuteScalarAsync(ct));
    }

    [Fact]
    public async Task Turns_survive_a_new_archive_on_the_same_file()
    {
        var ct = TestContext.Current.CancellationToken;
        await Archive.AppendAsync(Turn("s1", "t1", T0), ct);
        await Archive.DisposeAsync();
        await using var reopened = new SqliteTurnArchive(DatabasePath, NullLogger<SqliteTurnArchive>.Instance);
        Assert.Empty(await reopened.MigrateAsync(ct));
        Assert.Single((await reopened.GetTurnsAsync("s1", new TurnQuery(), ct)).Items);
    }
}

/// <summary>The contract against the PostgreSQL store, on a fresh database per test.</summary>
public sealed class PostgresTurnArchiveTests : TurnArchiveContractTests
{
    private PostgresTestDatabase? _database;

    private PostgresTestDatabase Database => _database ?? throw new InvalidOperationException("No database yet.");

    protected override async Task<RelationalTurnArchive> CreateArchiveAsync(CancellationToken cancellationToken)
    {
        _database = await PostgresTestDatabase.CreateAsync(cancellationToken, pooling: true);
        return PostgresTurnArchive.Create(_database.ConnectionString, NullLogger<PostgresTurnArchive>.Instance);
    }

    protected override async Task<long> CountStoredRowsAsync(string sessionId, string uniqueWord) =>
        await Database.ScalarAsync<long>("SELECT count(*) FROM archive_turns WHERE session_id = @v", ("v", sessionId))
        + await Database.ScalarAsync<long>("SELECT count(*) FROM archive_sessions WHERE session_id = @v", ("v", sessionId))
        + await Database.ScalarAsync<long>("SELECT count(*) FROM archive_turns WHERE search @@ plainto_tsquery('simple', @v)", ("v", uniqueWord));

    protected override async Task DisposeStoreAsync()
    {
        if (_database is not null)
        {
            await _database.DisposeAsync();
        }
    }

    [Fact]
    public async Task Two_archives_migrating_the_same_database_at_once_both_succeed_and_apply_it_once()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var first = PostgresTurnArchive.Create(Database.ConnectionString, NullLogger<PostgresTurnArchive>.Instance);
        await using var second = PostgresTurnArchive.Create(Database.ConnectionString, NullLogger<PostgresTurnArchive>.Instance);
        var results = await Task.WhenAll(first.MigrateAsync(ct), second.MigrateAsync(ct));
        Assert.Equal(PostgresTurnArchive.Migrations.Select(m => m.Version), results.SelectMany(r => r).Order());
        Assert.Equal(PostgresTurnArchive.Migrations.Count, await Database.ScalarAsync<long>("SELECT count(*) FROM archive_schema_version"));
    }

    [Fact]
    public async Task The_listing_filters_are_served_by_covering_indexes()
    {
        var ct = TestContext.Current.CancellationToken;
        for (var i = 0; i < 40; i++)
        {
            await Archive.AppendAsync(Turn($"p{i % 4}", $"t{i}", T0.AddSeconds(i), speakerId: "ana", transcript: i == 37 ? "where is the otter" : "hello"), ct);
        }

        Assert.Equal(["p1"], (await Archive.ListSessionsAsync(new SessionQuery(SpeakerId: "ana", Q: "otter"), ct)).Items.Select(s => s.SessionId));
        var probe = await Database.ScalarAsync<string>("SELECT indexdef FROM pg_indexes WHERE indexname = 'archive_turns_session_probe'");
        Assert.Contains("(session_id, committed_at) INCLUDE (speaker_id, agent, search)", probe, StringComparison.Ordinal);
        var speaker = await Database.ScalarAsync<string>("SELECT indexdef FROM pg_indexes WHERE indexname = 'archive_turns_speaker_probe'");
        Assert.Contains("(speaker_id, session_id) INCLUDE (search)", speaker, StringComparison.Ordinal);
        Assert.Equal(0L, await Database.ScalarAsync<long>("SELECT count(*) FROM pg_indexes WHERE indexname = 'archive_turns_speaker'")); // replaced
    }
}
