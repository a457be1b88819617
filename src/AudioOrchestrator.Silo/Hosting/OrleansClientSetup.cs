using AudioOrchestrator.Ingress;
using Orleans.Configuration;

namespace AudioOrchestrator.Silo.Hosting;

/// <summary>Configures the Orleans client of an <c>Ingress</c>-role process from <see cref="OrleansHostingOptions"/>.</summary>
public static class OrleansClientSetup
{
    public static void Configure(IClientBuilder client, OrleansHostingOptions options)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(options);
        client.Configure<ClusterOptions>(o =>
        {
            o.ClusterId = options.ClusterId;
            o.ServiceId = options.ServiceId;
        });

        if (options.Clustering == ClusteringKind.AdoNet)
        {
            client.Configure<GatewayOptions>(o => o.GatewayListRefreshPeriod = options.GatewayListRefreshPeriod);
            // The silos' membership table lists their gateways.
            client.UseAdoNetClustering(o =>
            {
                o.Invariant = OrleansSiloSetup.PostgresInvariant;
                o.ConnectionString = options.ConnectionString is { Length: > 0 } value
                    ? value
                    : throw new InvalidOperationException("Cluster:ConnectionString is required when Cluster:Clustering is AdoNet.");
            });
        }
        else
        {
            // A silo on this host: its gateway port on loopback.
            client.UseLocalhostClustering(options.GatewayPort, options.ServiceId, options.ClusterId);
        }

        // The silos' audio-in channel provider.
        client.AddAudioStreams();
        client.AddActivityPropagation();
    }
}
