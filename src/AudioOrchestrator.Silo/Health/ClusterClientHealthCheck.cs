using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace AudioOrchestrator.Silo.Health;

/// <summary>Ready when this process's cluster client is connected: a call through it reaches a silo that lists active silos.</summary>
public sealed class ClusterClientHealthCheck(IClusterClient client) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            var hosts = await client.GetGrain<IManagementGrain>(0).GetHosts(onlyActive: true).WaitAsync(TimeSpan.FromSeconds(5), cancellationToken);
            return hosts.Count > 0
                ? HealthCheckResult.Healthy($"Connected to the cluster: {hosts.Count} active silo(s).")
                : HealthCheckResult.Unhealthy("Connected, but the cluster has no active silo.");
        }
#pragma warning disable CA1031 // Any failure to reach the cluster through the client means not ready.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            return HealthCheckResult.Unhealthy("The cluster client is not connected: no gateway answers.", ex);
        }
    }
}
