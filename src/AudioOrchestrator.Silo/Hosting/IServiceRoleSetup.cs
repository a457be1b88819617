namespace AudioOrchestrator.Silo.Hosting;

/// <summary>
/// What one role (<c>Cluster:Role</c>) adds to the parts every process has (ingress transports, REST API, health,
/// OpenAPI, metrics): its Orleans side, its own services and health checks, and its own endpoints.
/// </summary>
internal interface IServiceRoleSetup
{
    void AddServices(WebApplicationBuilder builder, OrleansHostingOptions cluster, IHealthChecksBuilder health);

    void MapEndpoints(WebApplication app);
}
