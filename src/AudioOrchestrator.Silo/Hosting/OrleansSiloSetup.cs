using System.Net;
using AudioOrchestrator.Grains;
using Orleans.Configuration;
using Orleans.Dashboard;

namespace AudioOrchestrator.Silo.Hosting;

/// <summary>Configures the co-hosted silo from <see cref="OrleansHostingOptions"/>.</summary>
public static class OrleansSiloSetup
{
    public const string PostgresInvariant = "Npgsql";

    public static void Configure(ISiloBuilder silo, OrleansHostingOptions options)
    {
        ArgumentNullException.ThrowIfNull(silo);
        ArgumentNullException.ThrowIfNull(options);
        silo.Configure<ClusterOptions>(o =>
        {
            o.ClusterId = options.ClusterId;
            o.ServiceId = options.ServiceId;
        });

        silo.Configure<GrainDirectoryOptions>(o => o.CacheSize = options.DirectoryCacheSize);
        silo.Configure<ClusterMembershipOptions>(o =>
        {
            o.ProbeTimeout = options.ProbeTimeout;
            o.NumMissedProbesLimit = options.NumMissedProbesLimit;
            o.NumVotesForDeathDeclaration = options.NumVotesForDeathDeclaration;
        });

        if (options.Clustering == ClusteringKind.AdoNet)
        {
            silo.UseAdoNetClustering(o =>
            {
                o.Invariant = PostgresInvariant;
                o.ConnectionString = RequireConnectionString(options);
            });
            var advertised = options.AdvertisedIPAddress is { Length: > 0 } address ? IPAddress.Parse(address) : IPAddress.Loopback;
            silo.ConfigureEndpoints(advertised, options.SiloPort, options.GatewayPort, listenOnAnyHostAddress: !IPAddress.IsLoopback(advertised));
            silo.UseAdoNetReminderService(o =>
            {
                o.Invariant = PostgresInvariant;
                o.ConnectionString = RequireConnectionString(options);
            });
        }
        else
        {
            silo.UseLocalhostClustering(options.SiloPort, options.GatewayPort, serviceId: options.ServiceId, clusterId: options.ClusterId);
            silo.UseInMemoryReminderService();
        }

        // Clean JSON rows, readable by anything; chosen on day one because serializers cannot read each other's rows.
        silo.UseSystemTextJsonGrainStorageSerializer();
        if (options.GrainStorage == GrainStorageKind.AdoNet)
        {
            silo.AddAdoNetGrainStorage(StorageNames.Sessions, o =>
            {
                o.Invariant = PostgresInvariant;
                o.ConnectionString = RequireConnectionString(options);
                // Forgetting a session removes its row instead of keeping an empty one.
                o.DeleteStateOnClear = true;
            });
        }
        else
        {
            silo.AddMemoryGrainStorage(StorageNames.Sessions);
        }

        silo.AddAudioStreams();
        silo.AddActivityPropagation();
        silo.AddDashboard();

        // Last, so the pod's name, address and cluster labels win over the settings above.
        if (options.KubernetesHosting)
        {
            silo.UseKubernetesHosting();
        }
    }

    private static string RequireConnectionString(OrleansHostingOptions options) =>
        options.ConnectionString is { Length: > 0 } value
            ? value
            : throw new InvalidOperationException("Cluster:ConnectionString is required when Cluster:Clustering or Cluster:GrainStorage is AdoNet.");
}
