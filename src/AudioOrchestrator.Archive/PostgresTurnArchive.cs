using System.Data.Common;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace AudioOrchestrator.Archive;

/// <summary>
/// The turn archive in PostgreSQL (production). The schema is migrated like the Orleans tables: embedded versioned
/// scripts, applied in one transaction under an advisory lock and recorded in <c>archive_schema_version</c>, each
/// creating only what is missing, so several silos may start at once. Search is PostgreSQL full-text search
/// (<c>plainto_tsquery</c>: the user's text is only ever words, never syntax, and always a parameter).
/// </summary>
public sealed partial class PostgresTurnArchive : RelationalTurnArchive
{
    /// <summary>Serialises archive migrations across processes (transaction-scoped).</summary>
    public const long AdvisoryLockKey = 4177062019140616013;

    private readonly NpgsqlDataSource _dataSource;
    private readonly bool _ownsDataSource;
    private readonly ILogger<PostgresTurnArchive> _logger;

    /// <summary>An archive over <paramref name="dataSource"/> (not disposed with the archive).</summary>
    public PostgresTurnArchive(NpgsqlDataSource dataSource, ILogger<PostgresTurnArchive> logger)
        : this(dataSource, ownsDataSource: false, logger)
    {
    }

    private PostgresTurnArchive(NpgsqlDataSource dataSource, bool ownsDataSource, ILogger<PostgresTurnArchive> logger)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        ArgumentNullException.ThrowIfNull(logger);
        _dataSource = dataSource;
        _ownsDataSource = ownsDataSource;
        _logger = logger;
    }

    /// <summary>The migrations shipped with this build, in the order they apply.</summary>
    public static IReadOnlyList<ArchiveSchemaMigration> Migrations { get; } = ArchiveSchemaMigration.LoadEmbedded("AudioOrchestrator.Archive.Postgres.");

    /// <summary>The schema version this build needs.</summary>
    public static int RequiredVersion => Migrations[^1].Version;

    /// <summary>The archive's connections (shared with the answer-audio store in the same database).</summary>
    internal NpgsqlDataSource DataSource => _dataSource;

    /// <summary>An archive with its own data source for <paramref name="connectionString"/>.</summary>
    public static PostgresTurnArchive Create(string connectionString, ILogger<PostgresTurnArchive> logger)
    {
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            throw new InvalidOperationException("Archive:ConnectionString is required when Archive:Store is Postgres.");
        }

        NpgsqlDataSource dataSource;
        try
        {
            dataSource = NpgsqlDataSource.Create(connectionString);
        }
        catch (ArgumentException ex)
        {
            throw new InvalidOperationException($"Archive:ConnectionString is not a valid Npgsql connection string: {ex.Message}", ex);
        }

        return new PostgresTurnArchive(dataSource, ownsDataSource: true, logger);
    }

    /// <summary>Host, port and database of a connection string, never its credentials.</summary>
    public static string Describe(string connectionString)
    {
        try
        {
            var builder = new NpgsqlConnectionStringBuilder(connectionString);
            return $"{builder.Host}:{builder.Port}/{builder.Database ?? builder.Username}";
        }
        catch (ArgumentException)
        {
            return "(unparsable connection string)";
        }
    }

    /// <inheritdoc />
    public override async Task<IReadOnlyList<int>> MigrateAsync(CancellationToken cancellationToken)
    {
        var database = Describe(_dataSource.ConnectionString);
        await using var connection = await OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using (var lockCommand = new NpgsqlCommand("SELECT pg_advisory_xact_lock(@key)", connection, transaction))
        {
            lockCommand.Parameters.AddWithValue("key", AdvisoryLockKey);
            await lockCommand.ExecuteNonQueryAsync(cancellationToken);
        }

        await using (var versionTable = new NpgsqlCommand(
            "CREATE TABLE IF NOT EXISTS archive_schema_version (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())",
            connection,
            transaction))
        {
            await versionTable.ExecuteNonQueryAsync(cancellationToken);
        }

        var applied = new HashSet<int>();
        await using (var read = new NpgsqlCommand("SELECT version FROM archive_schema_version", connection, transaction))
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
                await using var command = new NpgsqlCommand(migration.Sql, connection, transaction);
                await command.ExecuteNonQueryAsync(cancellationToken);
                await using var record = new NpgsqlCommand("INSERT INTO archive_schema_version (version, name) VALUES (@version, @name)", connection, transaction);
                record.Parameters.AddWithValue("version", migration.Version);
                record.Parameters.AddWithValue("name", migration.Name);
                await record.ExecuteNonQueryAsync(cancellationToken);
            }
            catch (NpgsqlException ex)
            {
                throw new InvalidOperationException(
                    $"Applying turn archive migration {migration.Version} ({migration.Name}) to {database} failed: {ex.Message}", ex);
            }

            LogApplied(_logger, migration.Version, migration.Name, database);
            done.Add(migration.Version);
        }

        await transaction.CommitAsync(cancellationToken);
        if (done.Count == 0)
        {
            LogUpToDate(_logger, RequiredVersion, database);
        }

        return done;
    }

    /// <inheritdoc />
    public override async Task<int> AppendAllAsync(IReadOnlyList<ArchivedTurn> turns, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(turns);

        // Session rows are locked in key order (a stable sort keeps each session's turns in order), as the retention
        // delete does, so two writers never wait on each other's rows in opposite orders.
        var valid = turns.Select(Validate).OrderBy(t => t.SessionId, StringComparer.Ordinal).ToArray();
        if (valid.Length == 0)
        {
            return 0;
        }

        await InitializeAsync(cancellationToken);
        await using var connection = await OpenAsync(cancellationToken);

        // One round trip and one implicit transaction (one commit) for all of them.
        await using var batch = new NpgsqlBatch(connection);
        foreach (var turn in valid)
        {
            var command = new NpgsqlBatchCommand(AppendSql);
            AddTurnParameters(command, turn);
            batch.BatchCommands.Add(command);
        }

        var stored = 0;
        await using var reader = await batch.ExecuteReaderAsync(cancellationToken);
        do
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                stored++;
            }
        }
        while (await reader.NextResultAsync(cancellationToken));

        return stored;
    }

    /// <summary>Inserts a turn unless archived already, and counts it in its session's row; returns a row when stored.</summary>
    private static readonly string AppendSql = $"""
        WITH inserted AS (
            INSERT INTO archive_turns ({TurnColumns}) VALUES ({TurnParameters.Replace("@timings", "CAST(@timings AS jsonb)", StringComparison.Ordinal).Replace("@tool_calls", "CAST(@tool_calls AS jsonb)", StringComparison.Ordinal)})
            ON CONFLICT (session_id, turn_id) DO NOTHING
            RETURNING session_id, guild_id, committed_at)
        INSERT INTO archive_sessions (session_id, guild_id, turn_count, first_activity_at, last_activity_at)
        SELECT session_id, guild_id, 1, committed_at, committed_at FROM inserted
        ON CONFLICT (session_id) DO UPDATE SET
            guild_id = COALESCE(archive_sessions.guild_id, EXCLUDED.guild_id),
            turn_count = archive_sessions.turn_count + 1,
            first_activity_at = LEAST(archive_sessions.first_activity_at, EXCLUDED.first_activity_at),
            last_activity_at = GREATEST(archive_sessions.last_activity_at, EXCLUDED.last_activity_at)
        RETURNING 1
        """;

    /// <inheritdoc />
    public override async Task<int> DeleteSessionAsync(string sessionId, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(sessionId);
        await InitializeAsync(cancellationToken);
        await using var connection = await OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);

        // The session row first: it is what a concurrent append locks, so the two serialise and the row never
        // outlives its turns (an append that was waiting recreates it for its own turn).
        await using (var session = new NpgsqlCommand("DELETE FROM archive_sessions WHERE session_id = @session_id", connection, transaction))
        {
            session.Parameters.AddWithValue("session_id", sessionId);
            await session.ExecuteNonQueryAsync(cancellationToken);
        }

        int deleted;
        await using (var turns = new NpgsqlCommand("DELETE FROM archive_turns WHERE session_id = @session_id", connection, transaction))
        {
            turns.Parameters.AddWithValue("session_id", sessionId);
            deleted = await turns.ExecuteNonQueryAsync(cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
        LogSessionDeleted(_logger, sessionId, deleted);
        return deleted;
    }

    /// <inheritdoc />
    public override async Task<int> DeleteOlderThanAsync(DateTimeOffset cutoff, CancellationToken cancellationToken)
    {
        cutoff = ArchiveTime.Normalize(cutoff);
        await InitializeAsync(cancellationToken);
        await using var connection = await OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);

        // Lock the affected sessions' rows (in key order) before touching their turns, so concurrent appends wait and
        // the recomputed counts include every committed turn.
        var sessionIds = new List<string>();
        await using (var sessions = new NpgsqlCommand(
            """
            SELECT session_id FROM archive_sessions
            WHERE session_id IN (SELECT DISTINCT session_id FROM archive_turns WHERE committed_at < @cutoff)
            ORDER BY session_id
            FOR UPDATE
            """,
            connection,
            transaction))
        {
            sessions.Parameters.AddWithValue("cutoff", cutoff);
            await using var reader = await sessions.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                sessionIds.Add(reader.GetString(0));
            }
        }

        if (sessionIds.Count == 0)
        {
            await transaction.CommitAsync(cancellationToken);
            return 0;
        }

        var ids = sessionIds.ToArray();
        int deleted;
        await using (var turns = new NpgsqlCommand("DELETE FROM archive_turns WHERE committed_at < @cutoff AND session_id = ANY(@ids)", connection, transaction))
        {
            turns.Parameters.AddWithValue("cutoff", cutoff);
            turns.Parameters.AddWithValue("ids", ids);
            deleted = await turns.ExecuteNonQueryAsync(cancellationToken);
        }

        await using (var recount = new NpgsqlCommand(
            """
            UPDATE archive_sessions s
            SET turn_count = a.turn_count, first_activity_at = a.first_activity_at, last_activity_at = a.last_activity_at
            FROM (SELECT session_id, count(*) AS turn_count, min(committed_at) AS first_activity_at, max(committed_at) AS last_activity_at
                  FROM archive_turns WHERE session_id = ANY(@ids) GROUP BY session_id) a
            WHERE s.session_id = a.session_id;
            DELETE FROM archive_sessions s
            WHERE s.session_id = ANY(@ids) AND NOT EXISTS (SELECT 1 FROM archive_turns t WHERE t.session_id = s.session_id);
            """,
            connection,
            transaction))
        {
            recount.Parameters.AddWithValue("ids", ids);
            await recount.ExecuteNonQueryAsync(cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
        LogRetention(_logger, deleted, sessionIds.Count, cutoff);
        return deleted;
    }

    /// <inheritdoc />
    protected override async Task<DbConnection> OpenConnectionAsync(CancellationToken cancellationToken) => await OpenAsync(cancellationToken);

    /// <inheritdoc />
    protected override object TimeValue(DateTimeOffset value) => value.ToUniversalTime();

    /// <inheritdoc />
    protected override DateTimeOffset ReadTime(DbDataReader reader, int ordinal) => reader.GetFieldValue<DateTimeOffset>(ordinal);

    /// <inheritdoc />
    protected override string SearchCondition(string alias, string parameter) => $"{alias}.search @@ plainto_tsquery('simple', {parameter})";

    /// <inheritdoc />
    protected override string SearchValue(string q, IReadOnlyList<string> words) => string.Join(' ', words);

    /// <inheritdoc />
    protected override async ValueTask DisposeCoreAsync()
    {
        if (_ownsDataSource)
        {
            await _dataSource.DisposeAsync();
        }
    }

    private async Task<NpgsqlConnection> OpenAsync(CancellationToken cancellationToken)
    {
        try
        {
            return await _dataSource.OpenConnectionAsync(cancellationToken);
        }
        catch (Exception ex) when (ex is NpgsqlException or TimeoutException or System.Net.Sockets.SocketException)
        {
            throw new InvalidOperationException(
                $"The turn archive's PostgreSQL at {Describe(_dataSource.ConnectionString)} is unreachable (Archive:ConnectionString): {ex.Message}", ex);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Applied turn archive migration {Version} ({Name}) to {Database}")]
    private static partial void LogApplied(ILogger logger, int version, string name, string database);

    [LoggerMessage(Level = LogLevel.Information, Message = "Turn archive schema is at version {Version} in {Database}")]
    private static partial void LogUpToDate(ILogger logger, int version, string database);

    [LoggerMessage(Level = LogLevel.Information, Message = "Deleted session {SessionId} from the turn archive ({Turns} turns)")]
    private static partial void LogSessionDeleted(ILogger logger, string sessionId, int turns);

    [LoggerMessage(Level = LogLevel.Information, Message = "Turn archive retention deleted {Turns} turns of {Sessions} sessions committed before {Cutoff:O}")]
    private static partial void LogRetention(ILogger logger, int turns, int sessions, DateTimeOffset cutoff);
}
