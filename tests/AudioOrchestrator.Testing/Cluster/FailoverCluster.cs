using System.Globalization;
using AudioOrchestrator.Testing.OpenAi;

namespace AudioOrchestrator.Testing.Cluster;

/// <summary>
/// Silos and an ingress-only process (<c>Cluster:Role=Ingress</c>) as separate OS processes on loopback, each on its own
/// ports, sharing one PostgreSQL database for membership, grain storage, reminders and the turn archive. Speech runs on
/// the local OpenAI-compatible fake (instant, deterministic: every upload is heard as <see cref="Transcript"/>),
/// configured from outside like any cloud engine. Failure detection is the product's default unless overridden.
/// </summary>
public sealed class FailoverCluster : IAsyncDisposable
{
    /// <summary>What the fake transcriber hears in every upload.</summary>
    public const string Transcript = "echo hello world";

    private readonly FakeOpenAiServer _speech;
    private readonly List<ServiceProcess> _silos;
    private readonly Dictionary<ServiceProcess, int> _siloPorts;

    private FailoverCluster(
        FakeOpenAiServer speech, List<ServiceProcess> silos, Dictionary<ServiceProcess, int> siloPorts, ServiceProcess ingress, HttpClient http,
        string connectionString, string clusterId)
    {
        _speech = speech;
        _silos = silos;
        _siloPorts = siloPorts;
        Ingress = ingress;
        Http = http;
        ConnectionString = connectionString;
        ClusterId = clusterId;
    }

    /// <summary>The database the processes share (membership included).</summary>
    public string ConnectionString { get; }

    /// <summary>The cluster's <c>Cluster:ClusterId</c> (its rows in the membership table).</summary>
    public string ClusterId { get; }

    public IReadOnlyList<ServiceProcess> Silos => _silos;

    public ServiceProcess Ingress { get; }

    /// <summary>A client of the ingress process's REST API (no overall timeout: callers bound each request).</summary>
    public HttpClient Http { get; }

    /// <summary>How long a process may take to become ready (generous: a 2-core machine shared with builds was seen to need over 2 minutes).</summary>
    public static TimeSpan StartTimeout { get; } = TimeSpan.FromMinutes(3);

    /// <summary>Every process's output, for a failure message.</summary>
    public string RecentOutput => string.Join('\n', _silos.Append(Ingress).Select(p => p.RecentOutput));

    /// <summary>
    /// Starts <paramref name="siloCount"/> silos one at a time (the first migrates the schemas) and the ingress process, and
    /// waits until all are ready. <paramref name="settings"/> (configuration keys with <c>:</c>) apply to every process.
    /// With <paramref name="logDirectory"/>, each process writes all its output to <c>{name}.log</c> there.
    /// </summary>
    public static async Task<FailoverCluster> StartAsync(
        string connectionString, int siloCount, IReadOnlyDictionary<string, string>? settings, CancellationToken cancellationToken, string? logDirectory = null)
    {
        var speech = await FakeOpenAiServer.StartAsync().ConfigureAwait(false);
        speech.Transcribe = _ => FakeAudioReply.Transcribed(Transcript);
        var id = Guid.NewGuid().ToString("N")[..8];
        var clusterId = "failover-" + id;
        var common = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["Cluster:ClusterId"] = clusterId,
            ["Cluster:ServiceId"] = "failover-" + id,
            ["Cluster:Clustering"] = "AdoNet",
            ["Cluster:GrainStorage"] = "AdoNet",
            ["Cluster:ConnectionString"] = connectionString,
            ["Archive:Store"] = "Postgres",
            ["Archive:ConnectionString"] = connectionString,
            ["Speaker:VoiceActivityDetector"] = "Energy",
            ["Speech:SpeechToText"] = "OpenAI",
            ["Speech:TextToSpeech"] = "OpenAI",
            ["Speech:OpenAI:Endpoint"] = speech.BaseUrl.ToString(),
            ["Speech:OpenAI:ApiKey"] = "test-key",
            ["Speech:OpenAI:StreamTranscription"] = "false",
            ["WakeWord:AcousticSpotting"] = "false",
            ["Ingress:TurnTimeout"] = "00:00:10",
            ["RateLimiting:Enabled"] = "false",
            ["Logging:LogLevel:Default"] = "Warning",
            ["Logging:LogLevel:Microsoft.Hosting.Lifetime"] = "Information",
            ["Logging:Console:FormatterName"] = "simple",
            ["Logging:Console:FormatterOptions:TimestampFormat"] = "HH:mm:ss.fff ",
            ["Logging:Console:FormatterOptions:UseUtcTimestamp"] = "true",
            ["DOTNET_gcServer"] = "0",
            ["DOTNET_TieredPGO"] = "0",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string>())
        {
            common[key] = value;
        }

        var silos = new List<ServiceProcess>();
        var siloPorts = new Dictionary<ServiceProcess, int>();
        var ports = new DistinctLoopbackPorts();
        for (var i = 1; i <= siloCount; i++)
        {
            var siloPort = ports.Next();
            var silo = NewProcess($"silo-{i}", ports, logDirectory, common, new()
            {
                ["Cluster:Role"] = "Silo",
                ["Cluster:SiloPort"] = siloPort.ToString(CultureInfo.InvariantCulture),
                ["Cluster:GatewayPort"] = ports.Next().ToString(CultureInfo.InvariantCulture),
            });
            silos.Add(silo);
            siloPorts[silo] = siloPort;
        }

        var ingress = NewProcess("ingress", ports, logDirectory, common, new() { ["Cluster:Role"] = "Ingress" });
        var http = new HttpClient { BaseAddress = ingress.BaseAddress, Timeout = Timeout.InfiniteTimeSpan };
        var cluster = new FailoverCluster(speech, silos, siloPorts, ingress, http, connectionString, clusterId);
        try
        {
            // One after the other: the first migrates the schemas, and on two busy cores parallel starts starve each other.
            foreach (var silo in silos)
            {
                silo.Start();
                await silo.WaitReadyAsync(http, StartTimeout, cancellationToken).ConfigureAwait(false);
            }

            ingress.Start();
            await ingress.WaitReadyAsync(http, StartTimeout, cancellationToken).ConfigureAwait(false);
            return cluster;
        }
        catch
        {
            await cluster.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>A silo's <c>Cluster:SiloPort</c> (its row in the membership table).</summary>
    public int SiloPortOf(ServiceProcess silo) => _siloPorts[silo];

    /// <summary>Starts watching <paramref name="silo"/>'s membership row (suspected, declared dead) on <paramref name="now"/>'s clock.</summary>
    public MembershipWatcher WatchMembership(ServiceProcess silo, Func<double> now) => new(ConnectionString, ClusterId, SiloPortOf(silo), now);

    public async ValueTask DisposeAsync()
    {
        foreach (var process in _silos.Append(Ingress))
        {
            await process.DisposeAsync().ConfigureAwait(false);
        }

        Http.Dispose();
        await _speech.DisposeAsync().ConfigureAwait(false);
    }

    private static ServiceProcess NewProcess(
        string name, DistinctLoopbackPorts ports, string? logDirectory, Dictionary<string, string> common, Dictionary<string, string> own)
    {
        var environment = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (key, value) in common.Concat(own))
        {
            // Configuration keys become environment variables the usual way: ':' is '__'.
            environment[key.Replace(":", "__", StringComparison.Ordinal)] = value;
        }

        return new ServiceProcess(name, ports.Next(), environment, logDirectory is null ? null : Path.Combine(logDirectory, name + ".log"));
    }
}
