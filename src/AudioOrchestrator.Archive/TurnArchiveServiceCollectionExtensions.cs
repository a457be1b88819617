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
    /// service that creates or migrates its schema at start when <see cref="TurnArchiveOptions.MigrateOnStart"/>.
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
