using AudioOrchestrator.Grains;
using AudioOrchestrator.Grains.Conversations;
using AudioOrchestrator.Grains.Retention;
using AudioOrchestrator.Silo.Archive;
using AudioOrchestrator.Silo.Endpoints;
using AudioOrchestrator.Silo.Health;
using AudioOrchestrator.Silo.Persistence;
using AudioOrchestrator.Silo.Retention;
using AudioOrchestrator.Silo.Security;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Orleans.Dashboard;

namespace AudioOrchestrator.Silo.Hosting;

/// <summary>The default role: a silo (grains, speech engines, schema migration, Dashboard) co-hosting the ingress.</summary>
internal sealed class SiloRoleSetup : IServiceRoleSetup
{
    public void AddServices(WebApplicationBuilder builder, OrleansHostingOptions cluster, IHealthChecksBuilder health)
    {
        // Before the silo starts (IHostedLifecycleService.StartingAsync): schema of the AdoNet providers.
        builder.Services.AddOrleansSchemaMigration();

        // Registered before the silo so it stops after it: turns committed while the silo shuts down are still written.
        builder.Services.AddSingleton<TurnArchiveWriter>();
        builder.Services.TryAddSingleton<ITurnArchiveSink>(services => services.GetRequiredService<TurnArchiveWriter>());
        builder.Services.AddHostedService(services => services.GetRequiredService<TurnArchiveWriter>());
        // A session grain with no state of its own rebuilds its recent window from the archive.
        builder.Services.AddSingleton<ITurnHistorySource, ArchivedTurnHistory>();
        builder.UseOrleans(silo => OrleansSiloSetup.Configure(silo, cluster));
        // Sessions:RetentionDays and the answer audio's retention: the reminder (scheduled once the silo runs) deletes through every participant.
        builder.Services.AddSingleton<IRetentionParticipant, TurnArchiveRetention>();
        builder.Services.AddSingleton<IRetentionParticipant, AnswerAudioRetention>();
        builder.Services.AddHostedService<RetentionScheduler>();
        builder.Services.AddAudioOrchestratorGrains(builder.Configuration);
        builder.Services.AddSpeechEngines(builder.Configuration);
        builder.Services.AddHostedService<StartupReport>();
        health.AddCheck<SiloHealthCheck>("orleans", tags: ["ready"])
            .AddCheck<SpeechEnginesHealthCheck>("speech", tags: ["ready"]);
    }

    public void MapEndpoints(WebApplication app)
    {
        app.MapOrleansDashboard(routePrefix: "/dashboard").RequireAuthorization(ApiPolicies.Admin);
        // The catalog comes from the silo's grain classes: only a silo has it.
        app.MapAgentEndpoints();
    }
}
