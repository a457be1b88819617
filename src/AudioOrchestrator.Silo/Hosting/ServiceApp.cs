using AudioOrchestrator.Archive;
using AudioOrchestrator.Grains;
using AudioOrchestrator.Ingress;
using AudioOrchestrator.Ingress.Discord;
using AudioOrchestrator.Ingress.Discord.Commands;
using AudioOrchestrator.Ingress.Live;
using AudioOrchestrator.Ingress.Text;
using AudioOrchestrator.Ingress.Uploads;
using AudioOrchestrator.Silo.Endpoints;
using AudioOrchestrator.Silo.Events;
using AudioOrchestrator.Silo.Security;
using AudioOrchestrator.Silo.WebConsole;
using AudioOrchestrator.Speech;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;
using Scalar.AspNetCore;

namespace AudioOrchestrator.Silo.Hosting;

/// <summary>
/// Builds the service in its <c>Cluster:Role</c>: <c>Silo</c> (default: co-hosted silo, ingress, REST API, Dashboard)
/// or <c>Ingress</c> (an Orleans client of an existing cluster: transports and REST API). Both have health, OpenAPI and telemetry.
/// </summary>
public static class ServiceApp
{
    public static WebApplication Build(string[] args, Action<WebApplicationBuilder>? customize = null)
    {
        var builder = WebApplication.CreateBuilder(args);
        customize?.Invoke(builder);
        var configuration = builder.Configuration;
        ListenOnLoopbackUnlessConfigured(builder);

        var orleans = configuration.GetSection(OrleansHostingOptions.SectionName).Get<OrleansHostingOptions>() ?? new OrleansHostingOptions();
        builder.Services.AddOptions<OrleansHostingOptions>().Bind(configuration.GetSection(OrleansHostingOptions.SectionName)).ValidateDataAnnotations().ValidateOnStart();
        var role = ServiceRoles.For(orleans);
        var health = builder.Services.AddHealthChecks();
        builder.Services.AddTurnArchive(configuration);
        role.AddServices(builder, orleans, health);

        builder.Services.AddAudioIngress(configuration);
        builder.Services.AddDiscordTransport(configuration);
        builder.Services.AddDiscordSlashCommands(configuration);
        builder.Services.AddSessionEvents(configuration);
        builder.Services.AddLiveVoice(configuration);
        builder.Services.AddProblemDetails();
        builder.Services.AddApiSecurity(configuration);
        builder.Services.AddOpenApi(o => o.AddDocumentTransformer<ApiSecurityOpenApi>().AddOperationTransformer<ApiSecurityOpenApi>());
        AddTelemetry(builder);

        var app = builder.Build();
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.UseWebConsole();

        // The live voice endpoint's WebSockets (GET /api/v1/sessions/{id}/live), pinged every LiveVoice:KeepAliveInterval.
        app.UseWebSockets(new WebSocketOptions { KeepAliveInterval = app.Services.GetRequiredService<IOptions<LiveVoiceOptions>>().Value.KeepAliveInterval });
        app.UseApiSecurity();

        // Anonymous: the console's static files (served above, before authentication), its login, probes and the API reference. Every other endpoint names its policy; one that does not still
        // needs a valid key (the fallback policy).
        app.MapOpenApi().AllowAnonymous();
        app.MapScalarApiReference("/docs").AllowAnonymous();
        app.MapConsoleLoginEndpoints();
        app.MapHealthChecks("/health/live", new HealthCheckOptions { Predicate = _ => false }).AllowAnonymous().DisableRateLimiting();
        app.MapHealthChecks("/health/ready", new HealthCheckOptions { Predicate = c => c.Tags.Contains("ready"), ResponseWriter = Health.HealthReportText.WriteAsync })
            .AllowAnonymous().DisableRateLimiting();
        app.MapPrometheusScrapingEndpoint("/metrics").RequireAuthorization(ApiPolicies.Admin);

        // The ingress's session endpoints: GET reads (answer audio), the rest writes (uploads, messages); the guild rule on all.
        var ingress = app.MapGroup(string.Empty).RequireSessionAccess();
        ingress.MapUtteranceEndpoints();
        ingress.MapTextMessageEndpoints();
        ((IEndpointConventionBuilder)ingress).Finally(ApiPolicies.ReadsAndWrites);

        app.MapSessionEndpoints();
        app.MapGuildEndpoints();
        role.MapEndpoints(app);
        return app;
    }

    /// <summary>The address used when none is configured: loopback only, so a first start exposes nothing.</summary>
    public const string DefaultUrl = "http://127.0.0.1:5000";

    /// <summary>
    /// Listens on <see cref="DefaultUrl"/> unless an address is configured the usual ways: <c>ASPNETCORE_URLS</c>,
    /// <c>ASPNETCORE_HTTP_PORTS</c>, <c>Urls</c> (appsettings, environment, <c>--urls</c>) or <c>Kestrel:Endpoints</c>.
    /// (A default in appsettings.json would override <c>ASPNETCORE_URLS</c>, which is read before it.)
    /// </summary>
    private static void ListenOnLoopbackUnlessConfigured(WebApplicationBuilder builder)
    {
        var configuration = builder.Configuration;
        var configured = !string.IsNullOrWhiteSpace(configuration[WebHostDefaults.ServerUrlsKey])
            || !string.IsNullOrWhiteSpace(configuration[WebHostDefaults.HttpPortsKey])
            || !string.IsNullOrWhiteSpace(configuration[WebHostDefaults.HttpsPortsKey])
            || configuration.GetSection("Kestrel:Endpoints").Exists();
        if (!configured)
        {
            builder.WebHost.UseUrls(DefaultUrl);
        }
    }

    /// <summary>
    /// Metrics always (Prometheus at <c>/metrics</c>); traces only when they are exported
    /// (<c>OTEL_EXPORTER_OTLP_ENDPOINT</c>). A tracer with nowhere to send made an activity, and carried its trace
    /// parent in the message, for every grain call: about 2,000 a second at 100 speakers, for nothing.
    /// </summary>
    private static void AddTelemetry(WebApplicationBuilder builder)
    {
        var otel = builder.Services.AddOpenTelemetry()
            .ConfigureResource(r => r.AddService("audio-orchestrator"))
            .WithMetrics(metrics => metrics
                .AddMeter(TelemetryNames.MeterName, "Microsoft.Orleans", LanguageModels.TelemetrySourceName)
                .AddAspNetCoreInstrumentation()
                .AddRuntimeInstrumentation()
                .AddPrometheusExporter());
        if (!string.IsNullOrWhiteSpace(builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]))
        {
            otel.WithTracing(tracing => tracing
                    .AddSource(TelemetryNames.ActivitySourceName, IngressTelemetry.ActivitySourceName, "Microsoft.Orleans.Application", LanguageModels.TelemetrySourceName)
                    .AddAspNetCoreInstrumentation(o => o.Filter = ctx => !ctx.Request.Path.StartsWithSegments("/health", StringComparison.Ordinal)))
                .UseOtlpExporter();
        }
    }
}
