using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json;
using AudioOrchestrator.Discord.Fakes.Voice;
using AudioOrchestrator.Testing.Cluster;

namespace AudioOrchestrator.Discord.Fakes.Cluster;

/// <summary>
/// The fake Discord for a <see cref="FailoverCluster"/>: a gateway with two shards and one guild on each, each guild's
/// voice channel on its own fake voice server (DAVE), and the settings that point every service process at it with short
/// shard leases, at most one shard per process (so some processes stand by) and the two channels auto-joined.
/// </summary>
public sealed class ClusterDiscord : IAsyncDisposable
{
    public const int ShardCount = 2;
    private readonly ConcurrentDictionary<ulong, FakeVoiceServer> _voiceServers = new();

    private ClusterDiscord(FakeDiscordServer gateway, IReadOnlyList<(ulong Guild, ulong Channel)> guilds)
    {
        Gateway = gateway;
        Guilds = guilds;
    }

    public FakeDiscordServer Gateway { get; }

    /// <summary>One guild per shard, in shard order, and its voice channel.</summary>
    public IReadOnlyList<(ulong Guild, ulong Channel)> Guilds { get; }

    public static TimeSpan LeaseTtl { get; } = TimeSpan.FromSeconds(5);

    public static async Task<ClusterDiscord> StartAsync()
    {
        var guilds = new List<(ulong, ulong)>();
        for (var shard = 0; shard < ShardCount; shard++)
        {
            var guild = 81_384_788_765_712_384UL;
            while ((int)((guild >> 22) % ShardCount) != shard)
            {
                guild += 1UL << 22;
            }

            guilds.Add((guild, 700_000_000_000_000_100UL + (ulong)shard));
        }

        var options = new FakeDiscordOptions
        {
            Token = "fake-bot-token.cluster-" + Guid.NewGuid().ToString("N")[..8],
            HeartbeatIntervalMs = 5000,
            IdentifyWindow = TimeSpan.FromMilliseconds(100),
            RecommendedShards = ShardCount,
            VoiceEndpoint = null,
        };
        foreach (var (guild, _) in guilds)
        {
            options.Guilds.Add(new FakeGuild(guild, $"guild {guild}", []));
        }

        ClusterDiscord? discord = null;
        options.VoiceEndpointFor = (_, channel) => discord is { } d && d._voiceServers.TryGetValue(channel, out var server) ? server.Endpoint : null;
        discord = new ClusterDiscord(await FakeDiscordServer.StartAsync(options).ConfigureAwait(false), guilds);
        foreach (var (_, channel) in guilds)
        {
            discord._voiceServers[channel] = await FakeVoiceServer.StartAsync(new FakeVoiceServerOptions { ChannelId = channel }).ConfigureAwait(false);
        }

        return discord;
    }

    /// <summary>Settings for every service process of the cluster.</summary>
    public Dictionary<string, string> Settings()
    {
        var settings = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["Discord:Token"] = Gateway.Options.Token,
            ["Discord:ApiBaseUrl"] = Gateway.ApiBaseUrl.ToString(),
            ["Discord:GatewayUrl"] = Gateway.GatewayUrl.ToString(),
            ["Discord:ShardCount"] = ShardCount.ToString(CultureInfo.InvariantCulture),
            ["Discord:MaxConcurrency"] = "1",
            ["Discord:IdentifyWindow"] = "00:00:00.150",
            ["Discord:ReconnectBaseDelay"] = "00:00:00.100",
            ["Discord:ReconnectMaxDelay"] = "00:00:01",
            ["Discord:Transport:ShardLeaseTtl"] = LeaseTtl.ToString("c", CultureInfo.InvariantCulture),
            ["Discord:Transport:ShardLeaseRenewInterval"] = "00:00:01",
            ["Discord:Transport:ShardLeaseMaxShards"] = "1",
            ["Discord:Transport:AloneTimeout"] = "00:00:00",
        };
        for (var i = 0; i < Guilds.Count; i++)
        {
            settings[$"Discord:Transport:AutoJoin:{i}:GuildId"] = Guilds[i].Guild.ToString(CultureInfo.InvariantCulture);
            settings[$"Discord:Transport:AutoJoin:{i}:ChannelId"] = Guilds[i].Channel.ToString(CultureInfo.InvariantCulture);
        }

        return settings;
    }

    /// <summary>The process serving <paramref name="guild"/> with its voice channel connected (<c>GET /api/v1/guilds/{id}</c>), or null.</summary>
    public static async Task<ServiceProcess?> ConnectedServerAsync(FailoverCluster cluster, ulong guild, ulong channel, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(cluster);
        foreach (var process in cluster.Silos.Append(cluster.Ingress).Where(p => p.IsRunning))
        {
            try
            {
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                timeout.CancelAfter(TimeSpan.FromSeconds(5));
                using var response = await cluster.Http.GetAsync(new Uri(process.BaseAddress, $"api/v1/guilds/{guild}"), timeout.Token).ConfigureAwait(false);
                if (!response.IsSuccessStatusCode)
                {
                    continue;
                }

                using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync(timeout.Token).ConfigureAwait(false));
                var root = json.RootElement;
                if (string.Equals(root.GetProperty("state").GetString(), "connected", StringComparison.OrdinalIgnoreCase)
                    && root.GetProperty("channelId").GetString() == channel.ToString(CultureInfo.InvariantCulture))
                {
                    return process;
                }
            }
            catch (Exception ex) when (ex is HttpRequestException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
            {
                // That process is going away: ask the next.
            }
        }

        return null;
    }

    /// <summary>Waits until every guild's voice channel is connected by some process.</summary>
    public async Task WaitAllConnectedAsync(FailoverCluster cluster, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + timeout;
        foreach (var (guild, channel) in Guilds)
        {
            while (await ConnectedServerAsync(cluster, guild, channel, cancellationToken).ConfigureAwait(false) is null)
            {
                if (DateTime.UtcNow > deadline)
                {
                    throw new TimeoutException($"Guild {guild}'s voice channel was not connected within {timeout.TotalSeconds:0} s:\n{cluster.RecentOutput}");
                }

                await Task.Delay(200, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>
    /// After <paramref name="victim"/> went away (at <paramref name="downAt"/> on the fake gateway's clock,
    /// <see cref="FakeDiscordServer.Now"/>): waits until another process identified on the shard of
    /// <paramref name="guildIndex"/> and has its voice channel connected again. Returns the seconds from
    /// <paramref name="downAt"/> to both.
    /// </summary>
    public async Task<(double IdentifiedS, double RejoinedS)> WaitTakenOverAsync(
        FailoverCluster cluster, int guildIndex, ServiceProcess victim, TimeSpan downAt, TimeSpan timeout, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(cluster);
        var (guild, channel) = Guilds[guildIndex];
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var server = await ConnectedServerAsync(cluster, guild, channel, cancellationToken).ConfigureAwait(false);
            if (server is not null && server != victim)
            {
                var rejoined = (Gateway.Now - downAt).TotalSeconds;
                var identified = Gateway.Identifies.Where(i => i.ShardId == guildIndex && i.At >= downAt).Select(i => (i.At - downAt).TotalSeconds).DefaultIfEmpty(rejoined).Min();
                return (identified, rejoined);
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Shard {guildIndex} (guild {guild}) was not taken over and rejoined within {timeout.TotalSeconds:0} s:\n{cluster.RecentOutput}");
            }

            await Task.Delay(100, cancellationToken).ConfigureAwait(false);
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var server in _voiceServers.Values)
        {
            await server.DisposeAsync().ConfigureAwait(false);
        }

        await Gateway.DisposeAsync().ConfigureAwait(false);
    }
}
