using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace AudioOrchestrator.Archive.Tests;

public sealed class TurnArchiveOptionsTests
{
    private static ServiceProvider Build(Dictionary<string, string?> settings) => ArchiveServices.Build(settings);

    [Fact]
    public async Task Sqlite_is_the_default_store_and_its_schema_is_created_at_start()
    {
        var ct = TestContext.Current.CancellationToken;
        var directory = Path.Combine(Path.GetTempPath(), "ao-archive-tests", Guid.NewGuid().ToString("N"));
        var path = Path.Combine(directory, "archive.db");
        try
        {
            await using (var provider = Build(new() { ["Archive:SqlitePath"] = path }))
            {
                var archive = Assert.IsType<SqliteTurnArchive>(provider.GetRequiredService<ITurnArchive>());
                Assert.Equal(path, archive.Path);
                foreach (var hosted in provider.GetServices<IHostedService>())
                {
                    await hosted.StartAsync(ct);
                }

                Assert.True(File.Exists(path));
                Assert.Empty(await archive.MigrateAsync(ct));
            }
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public void Without_a_path_the_sqlite_file_is_under_the_user_data_directory()
    {
        var options = new TurnArchiveOptions();
        Assert.Equal(TurnArchiveStore.Sqlite, options.Store);
        Assert.EndsWith(Path.Combine("AudioOrchestrator", "archive.db"), options.ResolvedSqlitePath, StringComparison.Ordinal);
        Assert.True(Path.IsPathRooted(options.ResolvedSqlitePath));
    }

    [Fact]
    public async Task Postgres_is_chosen_by_configuration()
    {
        await using var provider = Build(new() { ["Archive:Store"] = "Postgres", ["Archive:ConnectionString"] = "Host=127.0.0.1;Database=x;Username=y" });
        Assert.IsType<PostgresTurnArchive>(provider.GetRequiredService<ITurnArchive>());
    }

    [Theory]
    [InlineData("Postgres", null, "Archive:ConnectionString is required")]
    [InlineData("Postgres", "Host=x;NoSuchKeyword=1", "Archive:ConnectionString is not a valid")]
    public async Task Invalid_settings_fail_naming_the_setting(string store, string? connectionString, string message)
    {
        await using var provider = Build(new() { ["Archive:Store"] = store, ["Archive:ConnectionString"] = connectionString });
        var error = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptions<TurnArchiveOptions>>().Value);
        Assert.Contains(message, error.Message, StringComparison.Ordinal);
    }
}
