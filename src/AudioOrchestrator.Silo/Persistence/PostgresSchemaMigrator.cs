using System.Reflection;
using Npgsql;

namespace AudioOrchestrator.Silo.Persistence;

/// <summary>
/// Applies the embedded PostgreSQL migrations (schema and query texts of the Orleans ADO.NET providers).
/// Safe to run from several silos at once: everything happens in one transaction holding an advisory lock,
/// applied versions are recorded in <c>orleans_schema_version</c>, and each script only creates what is missing.
/// </summary>
public sealed partial class PostgresSchemaMigrator(ILogger<PostgresSchemaMigrator> logger)
{
    /// <summary>Serialises migrations across processes (transaction-scoped, released at commit or rollback).</summary>
    public const long AdvisoryLockKey = 4177062019140616001;

    private const string ResourcePrefix = "AudioOrchestrator.Persistence.";

    /// <summary>The migrations shipped with this build, in the order they apply.</summary>
    public static IReadOnlyList<SchemaMigration> Migrations { get; } = LoadEmbeddedMigrations();

    /// <summary>The schema version this build needs.</summary>
    public static int RequiredVersion => Migrations[^1].Version;

    /// <summary>Brings the database up to <see cref="RequiredVersion"/>; returns the versions it applied (empty when up to date).</summary>
    public async Task<IReadOnlyList<int>> MigrateAsync(string connectionString, CancellationToken cancellationToken)
    {
        await using var dataSource = CreateDataSource(connectionString);
        await using var connection = await OpenAsync(dataSource, cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using (var lockCommand = new NpgsqlCommand("SELECT pg_advisory_xact_lock(@key)", connection, transaction))
        {
            lockCommand.Parameters.AddWithValue("key", AdvisoryLockKey);
            await lockCommand.ExecuteNonQueryAsync(cancellationToken);
        }

        var applied = await ReadAppliedVersionsAsync(connection, transaction, cancellationToken);
        var done = new List<int>();
        foreach (var migration in Migrations.Where(m => !applied.Contains(m.Version)))
        {
            try
            {
                await using var command = new NpgsqlCommand(migration.Sql, connection, transaction);
                await command.ExecuteNonQueryAsync(cancellationToken);
            }
            catch (NpgsqlException ex)
            {
                throw new InvalidOperationException(
                    $"Applying PostgreSQL schema migration {migration.Version} ({migration.Name}) to {Describe(connectionString)} failed: {ex.Message}", ex);
            }

            LogApplied(logger, migration.Version, migration.Name, Describe(connectionString));
            done.Add(migration.Version);
        }

        await transaction.CommitAsync(cancellationToken);
        if (done.Count == 0)
        {
            LogUpToDate(logger, RequiredVersion, Describe(connectionString));
        }

        return done;
    }

    /// <summary>Fails unless the database already has <see cref="RequiredVersion"/> (for deployments whose DBA applies the scripts).</summary>
    public async Task VerifyAsync(string connectionString, CancellationToken cancellationToken)
    {
        await using var dataSource = CreateDataSource(connectionString);
        await using var connection = await OpenAsync(dataSource, cancellationToken);
        var applied = await ReadAppliedVersionsAsync(connection, null, cancellationToken);
        var missing = Migrations.Where(m => !applied.Contains(m.Version)).Select(m => m.Name).ToArray();
        if (missing.Length > 0)
        {
            throw new InvalidOperationException(
                $"The PostgreSQL database {Describe(connectionString)} lacks the Orleans schema ({string.Join(", ", missing)}). "
                + "Apply deploy/sql/postgresql/*.sql or set Cluster:MigrateSchema=true.");
        }

        LogUpToDate(logger, RequiredVersion, Describe(connectionString));
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

    private static NpgsqlDataSource CreateDataSource(string connectionString)
    {
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            throw new InvalidOperationException("Cluster:ConnectionString is required when Cluster:Clustering or Cluster:GrainStorage is AdoNet.");
        }

        try
        {
            return NpgsqlDataSource.Create(connectionString);
        }
        catch (ArgumentException ex)
        {
            throw new InvalidOperationException($"Cluster:ConnectionString is not a valid Npgsql connection string: {ex.Message}", ex);
        }
    }

    private static async Task<NpgsqlConnection> OpenAsync(NpgsqlDataSource dataSource, CancellationToken cancellationToken)
    {
        try
        {
            return await dataSource.OpenConnectionAsync(cancellationToken);
        }
        catch (Exception ex) when (ex is NpgsqlException or TimeoutException or System.Net.Sockets.SocketException)
        {
            throw new InvalidOperationException(
                $"PostgreSQL at {Describe(dataSource.ConnectionString)} is unreachable (Cluster:ConnectionString): {ex.Message}", ex);
        }
    }

    private static async Task<HashSet<int>> ReadAppliedVersionsAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, CancellationToken cancellationToken)
    {
        await using var exists = new NpgsqlCommand("SELECT to_regclass('orleans_schema_version') IS NOT NULL", connection, transaction);
        if (await exists.ExecuteScalarAsync(cancellationToken) is not true)
        {
            return [];
        }

        var versions = new HashSet<int>();
        await using var command = new NpgsqlCommand("SELECT version FROM orleans_schema_version", connection, transaction);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            versions.Add(reader.GetInt32(0));
        }

        return versions;
    }

    private static List<SchemaMigration> LoadEmbeddedMigrations()
    {
        var assembly = typeof(PostgresSchemaMigrator).Assembly;
        var migrations = new List<SchemaMigration>();
        foreach (var resource in assembly.GetManifestResourceNames().Where(n => n.StartsWith(ResourcePrefix, StringComparison.Ordinal) && n.EndsWith(".sql", StringComparison.Ordinal)))
        {
            var name = resource[ResourcePrefix.Length..];
            var digits = new string(name.TakeWhile(char.IsAsciiDigit).ToArray());
            if (digits.Length == 0)
            {
                throw new InvalidOperationException($"Embedded migration '{name}' does not start with its version number.");
            }

            migrations.Add(new SchemaMigration(int.Parse(digits, System.Globalization.CultureInfo.InvariantCulture), name, ReadResource(assembly, resource)));
        }

        if (migrations.Count == 0)
        {
            throw new InvalidOperationException("No embedded PostgreSQL migrations found.");
        }

        return [.. migrations.OrderBy(m => m.Version)];
    }

    private static string ReadResource(Assembly assembly, string resource)
    {
        using var stream = assembly.GetManifestResourceStream(resource)!;
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Applied PostgreSQL schema migration {Version} ({Name}) to {Database}")]
    private static partial void LogApplied(ILogger logger, int version, string name, string database);

    [LoggerMessage(Level = LogLevel.Information, Message = "PostgreSQL schema is at version {Version} in {Database}")]
    private static partial void LogUpToDate(ILogger logger, int version, string database);
}

/// <summary>One embedded migration script.</summary>
public sealed record SchemaMigration(int Version, string Name, string Sql);
