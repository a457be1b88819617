using Microsoft.Extensions.Options;

namespace AudioOrchestrator.Silo.Hosting;

/// <summary>Says at start-up that this process is an ingress and which cluster it joins as a client.</summary>
public sealed partial class IngressStartupReport(IOptions<OrleansHostingOptions> orleans, ILogger<IngressStartupReport> logger) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        var o = orleans.Value;
        var via = o.Clustering == ClusteringKind.AdoNet ? "the AdoNet membership table" : $"the gateway on 127.0.0.1:{o.GatewayPort}";
        LogRole(logger, o.ClusterId, via);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(Level = LogLevel.Information, Message = "Role: Ingress (no silo, no speech engines): a client of cluster {ClusterId}, found through {Via}")]
    private static partial void LogRole(ILogger logger, string clusterId, string via);
}
