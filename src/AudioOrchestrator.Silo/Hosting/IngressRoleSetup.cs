using AudioOrchestrator.Silo.Health;

namespace AudioOrchestrator.Silo.Hosting;

/// <summary>
/// An ingress process: an Orleans client of an existing cluster. No grains, speech engines, schema migration or
/// Dashboard; the transports and the REST endpoints reach the grains through the client.
/// </summary>
internal sealed class IngressRoleSetup : IServiceRoleSetup
{
    public void AddServices(WebApplicationBuilder builder, OrleansHostingOptions cluster, IHealthChecksBuilder health)
    {
        builder.UseOrleansClient(client => OrleansClientSetup.Configure(client, cluster));
        builder.Services.AddHostedService<IngressStartupReport>();
        health.AddCheck<ClusterClientHealthCheck>("orleans-client", tags: ["ready"]);
    }

    public void MapEndpoints(WebApplication app)
    {
        // Nothing beyond the common endpoints: the Dashboard and the agent list need a silo.
    }
}
