using System.ComponentModel.DataAnnotations;

namespace AudioOrchestrator.Silo.Hosting;

/// <summary>How silos find each other.</summary>
public enum ClusteringKind
{
    /// <summary>One silo on this host (the embedded default).</summary>
    Localhost,

    /// <summary>PostgreSQL membership table: several silos.</summary>
    AdoNet,
}

/// <summary>Where grain state is kept.</summary>
public enum GrainStorageKind
{
    /// <summary>In memory (the embedded default): lost on restart.</summary>
    Memory,

    /// <summary>PostgreSQL.</summary>
    AdoNet,
}

/// <summary>Where state and membership live. Section <c>Cluster</c> (not "Orleans": Orleans reads that section itself).</summary>
public sealed class OrleansHostingOptions : IValidatableObject
{
    public const string SectionName = "Cluster";

    /// <summary>The default role: a silo co-hosting the ingress, the REST API and the Dashboard.</summary>
    public const string SiloRole = "Silo";

    /// <summary>An ingress process: an Orleans client of an existing cluster running the transports and the REST API.</summary>
    public const string IngressRole = "Ingress";

    /// <summary><c>Silo</c> (default: silo + ingress + everything) or <c>Ingress</c> (a client of the cluster: transports and REST only).</summary>
    [AllowedValues(SiloRole, IngressRole)]
    public string Role { get; set; } = SiloRole;

    [Required]
    public string ClusterId { get; set; } = "audio-orchestrator";

    /// <summary>Keys every persisted row: changing it orphans existing sessions.</summary>
    [Required]
    public string ServiceId { get; set; } = "audio-orchestrator";

    /// <summary><c>Localhost</c> (one silo, embedded default) or <c>AdoNet</c> (PostgreSQL membership, several silos).</summary>
    [EnumDataType(typeof(ClusteringKind))]
    public ClusteringKind Clustering { get; set; } = ClusteringKind.Localhost;

    /// <summary><c>Memory</c> (embedded default: lost on restart) or <c>AdoNet</c> (PostgreSQL).</summary>
    [EnumDataType(typeof(GrainStorageKind))]
    public GrainStorageKind GrainStorage { get; set; } = GrainStorageKind.Memory;

    /// <summary>Connection string for the AdoNet choices (Npgsql).</summary>
    public string? ConnectionString { get; set; }

    /// <summary>With an AdoNet choice: create or update the PostgreSQL schema at start-up (else only verify it is there).</summary>
    public bool MigrateSchema { get; set; } = true;

    /// <summary>Whether any part lives in PostgreSQL.</summary>
    public bool UsesAdoNet => Clustering == ClusteringKind.AdoNet || GrainStorage == GrainStorageKind.AdoNet;

    [Range(0, 65535)]
    public int SiloPort { get; set; } = 11111;

    /// <summary>The silo's gateway port; in the <c>Ingress</c> role with Localhost clustering, the port the client connects to.</summary>
    [Range(0, 65535)]
    public int GatewayPort { get; set; } = 30000;

    /// <summary>
    /// With AdoNet clustering: the address this silo advertises to the others (e.g. the pod IP). Unset = 127.0.0.1,
    /// all silos on one host. When set, the silo listens on every interface.
    /// </summary>
    public string? AdvertisedIPAddress { get; set; }

    /// <summary>
    /// Failure detection: how long a silo waits for a probe's answer (and how often it probes). With
    /// <see cref="NumMissedProbesLimit"/> it bounds how long a crashed silo's grains stay unreachable: about
    /// <c>ProbeTimeout x NumMissedProbesLimit</c> before the silo is voted dead and its grains activate elsewhere.
    /// Orleans' own default is 5 s; 2 s keeps a crash under 10 s while a GC pause or a busy host still answers in time.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00.500", "00:01:00")]
    public TimeSpan ProbeTimeout { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>Failure detection: probes a silo may miss in a row before it is suspected (Orleans' default).</summary>
    [Range(1, 10)]
    public int NumMissedProbesLimit { get; set; } = 3;

    /// <summary>Failure detection: suspicions needed to declare a silo dead (Orleans' default; capped by the silos alive).</summary>
    [Range(1, 10)]
    public int NumVotesForDeathDeclaration { get; set; } = 2;

    /// <summary>
    /// <c>Ingress</c> role with AdoNet clustering: how often the client re-reads the gateways from the membership table,
    /// so a restarted or new silo is used soon (Orleans' default is one minute).
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan GatewayListRefreshPeriod { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Entries of the silo's grain-location cache (Orleans' <c>GrainDirectoryOptions.CacheSize</c>, 1,000,000 there).
    /// Orleans sizes the cache's dictionary for all of them up front and counts its entries by walking every bucket
    /// whenever metrics are collected: each second for the Dashboard, on every <c>/metrics</c> scrape. At 1,000,000 that
    /// walk was 40 % of an idle silo's CPU (perf; docs/benchmarks.md). 100,000 locations are far more than a silo of this
    /// service calls elsewhere (a session's grains and its speakers).
    /// </summary>
    [Range(1_000, 10_000_000)]
    public int DirectoryCacheSize { get; set; } = 100_000;

    /// <summary>
    /// Run the silo with Orleans' Kubernetes hosting (<c>UseKubernetesHosting</c>): silo name, address and cluster ids
    /// from the pod (<c>POD_NAME</c>, <c>POD_NAMESPACE</c>, <c>POD_IP</c>, labels <c>orleans/serviceId</c> and
    /// <c>orleans/clusterId</c>), and silos whose pods are gone are declared dead. Off by default: local runs are unchanged.
    /// </summary>
    public bool KubernetesHosting { get; set; }

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (UsesAdoNet && string.IsNullOrWhiteSpace(ConnectionString))
        {
            yield return new ValidationResult(
                "Cluster:ConnectionString is required when Cluster:Clustering or Cluster:GrainStorage is AdoNet.", [nameof(ConnectionString)]);
        }

        if (AdvertisedIPAddress is { Length: > 0 } address && !System.Net.IPAddress.TryParse(address, out _))
        {
            yield return new ValidationResult(
                $"Cluster:AdvertisedIPAddress '{address}' is not an IP address.", [nameof(AdvertisedIPAddress)]);
        }
    }
}
