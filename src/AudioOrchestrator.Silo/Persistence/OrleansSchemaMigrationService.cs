using AudioOrchestrator.Silo.Hosting;
using Microsoft.Extensions.Options;

namespace AudioOrchestrator.Silo.Persistence;

/// <summary>
/// Migrates (or, with <c>Cluster:MigrateSchema=false</c>, verifies) the PostgreSQL schema when any AdoNet choice is
/// configured. Runs in <see cref="StartingAsync"/>, which the host calls before any hosted service starts, so the
/// Orleans providers never start against a missing schema.
/// </summary>
internal sealed class OrleansSchemaMigrationService(IOptions<OrleansHostingOptions> options, PostgresSchemaMigrator migrator) : IHostedLifecycleService
{
    public async Task StartingAsync(CancellationToken cancellationToken)
    {
        var o = options.Value;
        if (!o.UsesAdoNet)
        {
            return;
        }

        if (o.MigrateSchema)
        {
            await migrator.MigrateAsync(o.ConnectionString ?? "", cancellationToken);
        }
        else
        {
            await migrator.VerifyAsync(o.ConnectionString ?? "", cancellationToken);
        }
    }

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}

/// <summary>Registration of the schema migration.</summary>
public static class PersistenceSetup
{
    public static IServiceCollection AddOrleansSchemaMigration(this IServiceCollection services)
    {
        services.AddSingleton<PostgresSchemaMigrator>();
        services.AddHostedService<OrleansSchemaMigrationService>();
        return services;
    }
}
