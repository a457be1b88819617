using System.Data.Common;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;

namespace AudioOrchestrator.Archive;

/// <summary>
/// The turn archive in a SQLite file (the embedded default): WAL journal, one writer at a time (writes run in
/// <c>BEGIN IMMEDIATE</c> transactions), FTS5 over transcript and answer. The user's search text is turned into quoted
/// FTS5 phrases of its words, so no FTS5 operator or quote in it has any effect, and it is always a parameter.
/// </summary>
public sealed partial class SqliteTurnArchive : RelationalTurnArchive
{
    private const int BusyTimeoutMs = 30_000;

    private readonly string _connectionString;
    private readonly ILogger<SqliteTurnArchive> _logger;

    /// <summary>An archive in the file at <paramref name="path"/> (created with its directory when missing).</summary>
    public SqliteTurnArchive(string path, ILogger<SqliteTurnArchive> logger)
    {
        if (string.IsNullOrWhiteSpace(path))
        {
            throw new InvalidOperationException("Archive:SqlitePath is required when Archive:Store is Sqlite.");
        }

        ArgumentNullException.ThrowIfNull(logger);
        Path = System.IO.Path.GetFullPath(path);
        _logger = logger;
        _connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = Path,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Pooling = true,
            DefaultTimeout = BusyTimeoutMs / 1000,
        }.ToString();
    }

    /// <summary>The migrations shipped with this build, in the order they apply.</summary>
    public static IReadOnlyList<ArchiveSchemaMigration> Migrations { get; } = ArchiveSchemaMigration.LoadEmbedded("AudioOrchestrator.Archive.Sqlite.");

    /// <summary>The schema version this build needs.</summary>
    public static int RequiredVersion => Migrations[^1].Version;

    /// <summary>The database file.</summary>
    public string Path { get; }

    /// <inheritdoc />
    public override async Task<IReadOnlyList<int>> MigrateAsync(CancellationToken cancellationToken)
    {
        var directory = System.IO.Path.GetDirectoryName(Path);
        if (!string.IsNullOrEmpty(directory))
        {
            Directory.CreateDirectory(directory);
        }

        await using var connection = await OpenAsync(cancellationToken);
        await ExecuteAsync(connection, null, "PRAGMA journal_mode = WAL", cancellationToken);
        await using var transaction = (SqliteTransaction)await connection.BeginTransactionAsync(cancellationToken);
        await ExecuteAsync(
            connection,
            transaction,
            "CREATE TABLE IF NOT EXISTS archive_schema_version (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')))",
            cancellationToken);
        var applied = new HashSet<int>();
        await using (var read = new SqliteCommand("SELECT version FROM archive_schema_version", connection, transaction))
        await using (var reader = await read.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                applied.Add(reader.GetInt32(0));
            }
        }

        var done = new List<int>();
        foreach (var migration in Migrations.Where(m => !applied.Contains(m.Version)))
        {
            try
            {
                await ExecuteAsync(connection, transaction, migration.Sql, cancellationToken);
                await using var record = new SqliteCommand("INSERT INTO archive_schema_version (version, name) VALUES (@version, @name)", connection, transaction);
                record.Parameters.AddWithValue("@version", migration.Version);
                record.Parameters.AddWithValue("@name", migration.Name);
                await record.ExecuteNonQueryAsync(cancellationToken);
            }
            catch (SqliteException ex)
            {
                throw new InvalidOperationException($"Applying turn archive migration {migration.Version} ({migration.Name}) to {Path} failed: {ex.Message}", ex);
            }

            LogApplied(_logger, migration.Version, migration.Name, Path);
            done.Add(migration.Version);
        }

        await transaction.CommitAsync(cancellationToken);
        if (done.Count == 0)
        {
            LogUpToDate(_logger, RequiredVersion, Path);
        }

        return done;
    }

    /// <inheritdoc />
    public override async Task<int> AppendAllAsync(IReadOnlyList<ArchivedTurn> turns, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(turns);
        var valid = turns.Select(Validate).ToArray();
        if (valid.Length == 0)
        {
            return 0;
        }

        await InitializeAsync(cancellationToken);
        await using var connection = await OpenAsync(cancellationToken);
        await using var transaction = (SqliteTransaction)await connection.BeginTransactionAsync(cancellationToken);
        await using var insert = new SqliteCommand(
            $"INSERT INTO archive_turns ({TurnColumns}) VALUES ({TurnParameters}) ON CONFLICT (session_id, turn_id) DO NOTHING",
            connection,
            transaction);
        await using var session = new SqliteCommand(
            """
            INSERT INTO archive_sessions (session_id, guild_id, turn_count, first_activity_at, last_activity_at)
            VALUES (@session_id, @guild_id, 1, @committed_at, @committed_at)
            ON CONFLICT (session_id) DO UPDATE SET
                guild_id = COALESCE(archive_sessions.guild_id, excluded.guild_id),
                turn_count = archive_sessions.turn_count + 1,
                first_activity_at = MIN(archive_sessions.first_activity_at, excluded.first_activity_at),
                last_activity_at = MAX(archive_sessions.last_activity_at, excluded.last_activity_at)
            """,
            connection,
            transaction);
        var stored = 0;
        foreach (var turn in valid)
        {
            insert.Parameters.Clear();
            AddTurnParameters(insert, turn);
            if (await insert.ExecuteNonQueryAsync(cancellationToken) == 0)
            {
                continue; // already archived: the session's row counted it then
            }

            session.Parameters.Clear();
            AddParameter(session, "@session_id", turn.SessionId);
            AddParameter(session, "@guild_id", turn.GuildId);
            AddParameter(session, "@committed_at", TimeValue(turn.CommittedAt));
            await session.ExecuteNonQueryAsync(cancellationToken);
            stored++;
        }

        await transaction.CommitAsync(cancellationToken);
        return stored;
    }

    /// <inheritdoc />
    public override async Task<int> DeleteSessionAsync(string sessionId, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(sessionId);
        await InitializeAsync(cancellationToken);
        await using var connection = await OpenAsync(cancellationToken);
        await using var transaction = (SqliteTransaction)await connection.BeginTransactionAsync(cancellationToken);
        await using (var session = new SqliteCommand("DELETE FROM archive_sessions WHERE session_id = @session_id", connection, transaction))
        {
            session.Parameters.AddWithValue("@session_id", sessionId);
            await session.ExecuteNonQueryAsync(cancellationToken);
        }

        int deleted;
        await using (var turns = new SqliteCommand("DELETE FROM archive_turns WHERE session_id = @session_id", connection, transaction))
        {
            turns.Parameters.AddWithValue("@session_id", sessionId);
            deleted = await turns.ExecuteNonQueryAsync(cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
        LogSessionDeleted(_logger, sessionId, deleted);
        return deleted;
    }

    /// <inheritdoc />
    public override async Task<int> DeleteOlderThanAsync(DateTimeOffset cutoff, CancellationToken cancellationToken)
    {
        var micros = ArchiveTime.ToMicros(cutoff);
        await InitializeAsync(cancellationToken);
        await using var connection = await OpenAsync(cancellationToken);
        await using var transaction = (SqliteTransaction)await connection.BeginTransactionAsync(cancellationToken);
        int deleted;
        await using (var turns = new SqliteCommand("DELETE FROM archive_turns WHERE committed_at < @cutoff", connection, transaction))
        {
            turns.Parameters.AddWithValue("@cutoff", micros);
            deleted = await turns.ExecuteNonQueryAsync(cancellationToken);
        }

        // The sessions that lost turns are exactly those whose first activity was before the cutoff.
        int sessions;
        await using (var recount = new SqliteCommand(
            """
            UPDATE archive_sessions SET
                turn_count = (SELECT count(*) FROM archive_turns t WHERE t.session_id = archive_sessions.session_id),
                first_activity_at = (SELECT min(committed_at) FROM archive_turns t WHERE t.session_id = archive_sessions.session_id),
                last_activity_at = (SELECT max(committed_at) FROM archive_turns t WHERE t.session_id = archive_sessions.session_id)
            WHERE first_activity_at < @cutoff
              AND EXISTS (SELECT 1 FROM archive_turns t WHERE t.session_id = archive_sessions.session_id);
            DELETE FROM archive_sessions
            WHERE first_activity_at < @cutoff
              AND NOT EXISTS (SELECT 1 FROM archive_turns t WHERE t.session_id = archive_sessions.session_id);
            """,
            connection,
            transaction))
        {
            recount.Parameters.AddWithValue("@cutoff", micros);
            sessions = await recount.ExecuteNonQueryAsync(cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
        if (deleted > 0)
        {
            LogRetention(_logger, deleted, sessions, cutoff);
        }

        return deleted;
    }

    /// <inheritdoc />
    protected override async Task<DbConnection> OpenConnectionAsync(CancellationToken cancellationToken) => await OpenAsync(cancellationToken);

    /// <inheritdoc />
    protected override object TimeValue(DateTimeOffset value) => ArchiveTime.ToMicros(value);

    /// <inheritdoc />
    protected override DateTimeOffset ReadTime(DbDataReader reader, int ordinal) => ArchiveTime.FromMicros(reader.GetInt64(ordinal));

    /// <inheritdoc />
    protected override string SearchCondition(string alias, string parameter) =>
        $"{alias}.seq IN (SELECT rowid FROM archive_turns_fts WHERE archive_turns_fts MATCH {parameter})";

    /// <inheritdoc />
    protected override string SearchValue(string q, IReadOnlyList<string> words) => SearchText.ToFts5(words);

    /// <inheritdoc />
    protected override ValueTask DisposeCoreAsync()
    {
        using var connection = new SqliteConnection(_connectionString);
        SqliteConnection.ClearPool(connection);
        return ValueTask.CompletedTask;
    }

    private async Task<SqliteConnection> OpenAsync(CancellationToken cancellationToken)
    {
        var connection = new SqliteConnection(_connectionString);
        try
        {
            await connection.OpenAsync(cancellationToken);
            await ExecuteAsync(connection, null, $"PRAGMA busy_timeout = {BusyTimeoutMs}; PRAGMA synchronous = NORMAL", cancellationToken);
            return connection;
        }
        catch (SqliteException ex)
        {
            await connection.DisposeAsync();
            throw new InvalidOperationException($"The turn archive's SQLite file {Path} cannot be opened (Archive:SqlitePath): {ex.Message}", ex);
        }
    }

    private static async Task ExecuteAsync(SqliteConnection connection, SqliteTransaction? transaction, string sql, CancellationToken cancellationToken)
    {
        await using var command = new SqliteCommand(sql, connection, transaction);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Applied turn archive migration {Version} ({Name}) to {Database}")]
    private static partial void LogApplied(ILogger logger, int version, string name, string database);

    [LoggerMessage(Level = LogLevel.Information, Message = "Turn archive schema is at version {Version} in {Database}")]
    private static partial void LogUpToDate(ILogger logger, int version, string database);

    [LoggerMessage(Level = LogLevel.Information, Message = "Deleted session {SessionId} from the turn archive ({Turns} turns)")]
    private static partial void LogSessionDeleted(ILogger logger, string sessionId, int turns);

    [LoggerMessage(Level = LogLevel.Information, Message = "Turn archive retention deleted {Turns} turns ({Sessions} sessions changed) committed before {Cutoff:O}")]
    private static partial void LogRetention(ILogger logger, int turns, int sessions, DateTimeOffset cutoff);
}
