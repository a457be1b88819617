using Npgsql;


namespace AudioOrchestrator.Testing;

/// <summary>
/// A fresh PostgreSQL database per test, created through the server named by
/// <c>AUDIOORCHESTRATOR_TEST_POSTGRES</c> (scripts/test.sh starts a local server and sets it) and dropped afterwards.
/// </summary>
public sealed class PostgresTestDatabase : IAsyncDisposable
{
    public const string EnvironmentVariable = "AUDIOORCHESTRATOR_TEST_POSTGRES";

    private readonly string _adminConnectionString;

    private PostgresTestDatabase(string adminConnectionString, string name, string connectionString)
    {
        _adminConnectionString = adminConnectionString;
        Name = name;
        ConnectionString = connectionString;
    }

    public string Name { get; }

    public string ConnectionString { get; }

    /// <summary>The server's connection string; fails (never skips) when it is not configured.</summary>
    public static string ServerConnectionString =>
        Environment.GetEnvironmentVariable(EnvironmentVariable) is { Length: > 0 } value
            ? value
            : throw new InvalidOperationException(
                $"{EnvironmentVariable} is not set: these tests need a real PostgreSQL server. Run scripts/test.sh, "
                + $"or set {EnvironmentVariable} to an Npgsql connection string of a role allowed to create databases.");

    /// <param name="pooling">Pool the test database's connections (off: every open is a new session).</param>
    public static async Task<PostgresTestDatabase> CreateAsync(CancellationToken cancellationToken, bool pooling = false)
    {
        var admin = ServerConnectionString;
        var name = "ao_test_" + Guid.NewGuid().ToString("N")[..12];
        await using (var connection = new NpgsqlConnection(admin))
        {
            await connection.OpenAsync(cancellationToken);
            await using var command = new NpgsqlCommand($"CREATE DATABASE {name}", connection);
            await command.ExecuteNonQueryAsync(cancellationToken);
        }

        var builder = new NpgsqlConnectionStringBuilder(admin) { Database = name, Pooling = pooling };
        return new PostgresTestDatabase(admin, name, builder.ConnectionString);
    }

    public async Task<T?> ScalarAsync<T>(string sql, params (string Name, object? Value)[] parameters)
    {
        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync(CancellationToken.None);
        await using var command = new NpgsqlCommand(sql, connection);
        foreach (var (parameterName, value) in parameters)
        {
            command.Parameters.AddWithValue(parameterName, value ?? DBNull.Value);
        }

        var result = await command.ExecuteScalarAsync(CancellationToken.None);
        return result is null or DBNull ? default : (T)result;
    }

    public async ValueTask DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        await using var connection = new NpgsqlConnection(_adminConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"DROP DATABASE IF EXISTS {Name} WITH (FORCE)", connection);

        // FORCE ends our own sessions, but not an autovacuum worker the server started on the fresh database after a
        // burst of inserts (42501: it belongs to the superuser) or one starting meanwhile (55006): such a worker ends
        // on its own within moments, so the drop is tried again.
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await command.ExecuteNonQueryAsync();
                return;
            }
            catch (PostgresException ex) when (ex.SqlState is PostgresErrorCodes.InsufficientPrivilege or PostgresErrorCodes.ObjectInUse && attempt < 100)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(100));
            }
        }
    }
}
