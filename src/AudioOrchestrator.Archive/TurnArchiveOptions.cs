using Microsoft.Extensions.Options;
using Npgsql;

namespace AudioOrchestrator.Archive;

/// <summary>Where the turn archive lives (configuration section <c>Archive</c>).</summary>
public sealed class TurnArchiveOptions
{
    /// <summary>The configuration section.</summary>
    public const string SectionName = "Archive";

    /// <summary>Which store: <see cref="TurnArchiveStore.Sqlite"/> (the embedded default) or <see cref="TurnArchiveStore.Postgres"/>.</summary>
    public TurnArchiveStore Store { get; set; } = TurnArchiveStore.Sqlite;

    /// <summary>The SQLite file; null for <see cref="DefaultSqlitePath"/>.</summary>
    public string? SqlitePath { get; set; }

    /// <summary>The Npgsql connection string (required for <see cref="TurnArchiveStore.Postgres"/>).</summary>
    public string? ConnectionString { get; set; }

    /// <summary>Create or migrate the schema at start (true), or only on first use.</summary>
    public bool MigrateOnStart { get; set; } = true;

    /// <summary>The embedded default: <c>archive.db</c> under the user's local data directory.</summary>
    public static string DefaultSqlitePath =>
        Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData, Environment.SpecialFolderOption.DoNotVerify), "AudioOrchestrator", "archive.db");

    /// <summary>The SQLite file to use.</summary>
    public string ResolvedSqlitePath => string.IsNullOrWhiteSpace(SqlitePath) ? DefaultSqlitePath : SqlitePath;
}

/// <summary>The turn archive's stores.</summary>
public enum TurnArchiveStore
{
    /// <summary>A SQLite file (the embedded default).</summary>
    Sqlite,

    /// <summary>PostgreSQL (production).</summary>
    Postgres,
}

/// <summary>Checks <see cref="TurnArchiveOptions"/> at start-up, naming the setting to fix.</summary>
public sealed class TurnArchiveOptionsValidator : IValidateOptions<TurnArchiveOptions>
{
    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? name, TurnArchiveOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        switch (options.Store)
        {
            case TurnArchiveStore.Sqlite:
                if (options.ResolvedSqlitePath.IndexOfAny(Path.GetInvalidPathChars()) >= 0)
                {
                    return ValidateOptionsResult.Fail($"{TurnArchiveOptions.SectionName}:SqlitePath '{options.SqlitePath}' is not a valid path.");
                }

                return ValidateOptionsResult.Success;
            case TurnArchiveStore.Postgres:
                if (string.IsNullOrWhiteSpace(options.ConnectionString))
                {
                    return ValidateOptionsResult.Fail($"{TurnArchiveOptions.SectionName}:ConnectionString is required when {TurnArchiveOptions.SectionName}:Store is Postgres.");
                }

                try
                {
                    _ = new NpgsqlConnectionStringBuilder(options.ConnectionString);
                }
                catch (ArgumentException ex)
                {
                    return ValidateOptionsResult.Fail($"{TurnArchiveOptions.SectionName}:ConnectionString is not a valid Npgsql connection string: {ex.Message}");
                }

                return ValidateOptionsResult.Success;
            default:
                return ValidateOptionsResult.Fail($"{TurnArchiveOptions.SectionName}:Store must be Sqlite or Postgres, not '{options.Store}'.");
        }
    }
}
