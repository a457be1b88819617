using System.Globalization;
using AudioOrchestrator.Discord;
using AudioOrchestrator.Discord.Guilds;
using AudioOrchestrator.Ingress.Discord;
using Microsoft.Extensions.Hosting;

namespace AudioOrchestrator.Ingress.Tests.Support;

/// <summary>
/// An ingress running as its own process: an Orleans client of a running service's cluster with the real Discord
/// transport, connected to a <see cref="FakeDiscord"/>. Several of these on one cluster share the shard leases.
/// </summary>
public sealed class IngressProcess : IAsyncDisposable
{
    private readonly IHost _host;
    private int _stopped;

    private IngressProcess(IHost host, CapturedLogs logs)
    {
        _host = host;
        Logs = logs;
    }

    public CapturedLogs Logs { get; }

    public IServiceProvider Services => _host.Services;

    public DiscordShardManager Shards => Services.GetRequiredService<DiscordShardManager>();

    public GuildVoiceManager Voice => Services.GetRequiredService<GuildVoiceManager>();

    public IGuildVoiceControl Control => Services.GetRequiredService<IGuildVoiceControl>();

    public ShardLeaseKeeper Leases => Services.GetRequiredService<ShardLeaseKeeper>();

    public IClusterClient Cluster => Services.GetRequiredService<IClusterClient>();

    /// <summary>Starts an ingress on the cluster of <paramref name="service"/> (its silo's gateway port) and its fake Discord.</summary>
    public static async Task<IngressProcess> StartAsync(DiscordService service, int shardCount, IDictionary<string, string?>? settings = null)
    {
        ArgumentNullException.ThrowIfNull(service);
        var gatewayPort = int.Parse(service.Services.GetRequiredService<IConfiguration>()["Cluster:GatewayPort"]!, CultureInfo.InvariantCulture);
        var configuration = service.Discord.ClientConfiguration();
        configuration["Discord:ShardCount"] = shardCount.ToString(CultureInfo.InvariantCulture);
        configuration["Discord:Voice:RejoinDelay"] = "00:00:00.100";
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            configuration[key] = value;
        }

        var logs = new CapturedLogs();
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(configuration);
        builder.Logging.AddProvider(logs);
        builder.Logging.SetMinimumLevel(LogLevel.Debug);
        builder.UseOrleansClient(client =>
        {
            client.UseLocalhostClustering(gatewayPort, "audio-orchestrator", "audio-orchestrator");
            client.AddAudioStreams();
        });
        builder.Services.AddAudioIngress(builder.Configuration);
        builder.Services.AddDiscordTransport(builder.Configuration);
        var host = builder.Build();
        try
        {
            await host.StartAsync();
        }
        catch
        {
            host.Dispose();
            throw;
        }

        return new IngressProcess(host, logs);
    }

    /// <summary>A graceful stop: shards stopped, leases released.</summary>
    public async Task StopAsync()
    {
        if (Interlocked.Exchange(ref _stopped, 1) == 0)
        {
            await _host.StopAsync();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        _host.Dispose();
    }
}
