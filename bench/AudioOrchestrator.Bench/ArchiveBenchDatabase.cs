using Npgsql;

namespace AudioOrchestrator.Bench;

/// <summary>
/// The PostgreSQL database of the archive benchmark: <c>audioorchestrator_bench</c> on the server named by
/// <c>AUDIOORCHESTRATOR_BENCH_POSTGRES</c> (else <c>AUDIOORCHESTRATOR_TEST_POSTGRES</c>), created when missing and kept,
/// so the seeded million turns are made once.
/// </summary>
public static class ArchiveBenchDatabase
{
    public const string Name = "audioorchestrator_bench";

    /// <summary>The benchmark database's connection string, or null when no server is configured.</summary>
    public static async Task<string?> ConnectionStringAsync(CancellationToken cancellationToken)
    {
        var server = Environment.GetEnvironmentVariable("AUDIOORCHESTRATOR_BENCH_POSTGRES") is { Length: > 0 } bench
            ? bench
            : Environment.GetEnvironmentVariable("AUDIOORCHESTRATOR_TEST_POSTGRES");
        if (string.IsNullOrWhiteSpace(server))
        {
            return null;
        }

        await using (var connection = new NpgsqlConnection(server))
        {
            await connection.OpenAsync(cancellationToken);
            await using var exists = new NpgsqlCommand("SELECT 1 FROM pg_database WHERE datname = @name", connection);
            exists.Parameters.AddWithValue("name", Name);
            if (await exists.ExecuteScalarAsync(cancellationToken) is null)
            {
                await using var create = new NpgsqlCommand($"CREATE DATABASE {Name}", connection);
                await create.ExecuteNonQueryAsync(cancellationToken);
            }
        }

        return new NpgsqlConnectionStringBuilder(server) { Database = Name }.ConnectionString;
    }
}
