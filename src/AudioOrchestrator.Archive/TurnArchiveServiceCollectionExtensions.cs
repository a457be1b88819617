using AudioOrchestrator.Archive.AnswerAudio;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AudioOrchestrator.Archive;

/// <summary>Registers the turn archive.</summary>
public static class TurnArchiveServiceCollectionExtensions
{
    /// <summary>
    /// Adds <see cref="ITurnArchive"/> configured from the <c>Archive</c> section (validated at start), and a hosted
    /// service that creates or migrates its schema at start when <see cref="TurnArchiveOptions.MigrateOnStart"/>; and the
    /// <see cref="IAnswerAudioStore"/> of the same store (section <c>Archive:AnswerAudio</c>): a table of the PostgreSQL
    /// archive, or a directory next to the SQLite file.
    /// </summary>
    public static IServiceCollection AddTurnArchive(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddOptions<TurnArchiveOptions>().Bind(configuration.GetSection(TurnArchiveOptions.SectionName)).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<TurnArchiveOptions>, TurnArchiveOptionsValidator>());
        services.TryAddSingleton<ITurnArchive>(provider =>
        {
            var options = provider.GetRequiredService<IOptions<TurnArchiveOptions>>().Value;
            var loggers = provider.GetRequiredService<ILoggerFactory>();
            return options.Store switch
            {
                TurnArchiveStore.Postgres => PostgresTurnArchive.Create(options.ConnectionString!, loggers.CreateLogger<PostgresTurnArchive>()),
                _ => new SqliteTurnArchive(options.ResolvedSqlitePath, loggers.CreateLogger<SqliteTurnArchive>()),
            };
        });
        services.AddHostedService<TurnArchiveInitializer>();

        services.AddOptions<AnswerAudioOptions>().Bind(configuration.GetSection(AnswerAudioOptions.SectionName)).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<AnswerAudioOptions>, AnswerAudioOptionsValidator>());
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<IAnswerAudioStore>(provider =>
        {
            var archive = provider.GetRequiredService<ITurnArchive>();
            var options = provider.GetRequiredService<IOptions<AnswerAudioOptions>>().Value;
            var clock = provider.GetRequiredService<TimeProvider>();
            var loggers = provider.GetRequiredService<ILoggerFactory>();
            return archive is PostgresTurnArchive postgres
                ? new PostgresAnswerAudioStore(postgres.DataSource, postgres, options, clock, loggers.CreateLogger<PostgresAnswerAudioStore>())
                : new DirectoryAnswerAudioStore(
                    options.ResolvedDirectory(provider.GetRequiredService<IOptions<TurnArchiveOptions>>().Value),
                    options,
                    clock,
                    loggers.CreateLogger<DirectoryAnswerAudioStore>());
        });
        return services;
    }
}

/// <summary>Creates or migrates the archive's schema when the host starts (a failure stops the start, naming the setting).</summary>
internal sealed class TurnArchiveInitializer(ITurnArchive archive, IOptions<TurnArchiveOptions> options) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken) =>
        options.Value.MigrateOnStart ? archive.InitializeAsync(cancellationToken) : Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
