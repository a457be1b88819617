using System.Collections.Concurrent;
using AudioOrchestrator.Discord;
using AudioOrchestrator.Discord.Fakes;
using AudioOrchestrator.Discord.Fakes.Voice;
using AudioOrchestrator.Discord.Guilds;
using AudioOrchestrator.Testing;

namespace AudioOrchestrator.Ingress.Tests.Support;

/// <summary>
/// The fake Discord on loopback: a gateway whose op 4 answers point each voice channel at its own fake voice server
/// (each a DAVE group), with the guilds the bot is in.
/// </summary>
public sealed class FakeDiscord : IAsyncDisposable
{
    public const ulong BotId = 900_000_000_000_000_001;
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);

    private readonly ConcurrentDictionary<ulong, FakeVoiceServer> _voiceServers = new();

    private FakeDiscord(FakeDiscordServer gateway) => Gateway = gateway;

    public FakeDiscordServer Gateway { get; }

    /// <summary>When false, VOICE_SERVER_UPDATE carries a null endpoint (the voice server is being allocated).</summary>
    public bool EndpointsAvailable { get; set; } = true;

    public string Token => Gateway.Options.Token;

    /// <summary>Heartbeat interval of the voice servers started from now on.</summary>
    public int VoiceHeartbeatIntervalMs { get; set; } = 13_750;

    /// <summary>The voice servers started so far.</summary>
    public IReadOnlyCollection<FakeVoiceServer> VoiceServers => [.. _voiceServers.Values];

    /// <summary>Starts the gateway with <paramref name="guilds"/> (guild id, voice channel ids).</summary>
    public static async Task<FakeDiscord> StartAsync(IEnumerable<ulong> guilds, int gatewayHeartbeatMs = 5000)
    {
        var options = new FakeDiscordOptions
        {
            Token = "fake-bot-token.SECRET-must-not-be-logged-" + Guid.NewGuid().ToString("N")[..8],
            BotUserId = BotId,
            HeartbeatIntervalMs = gatewayHeartbeatMs,
            IdentifyWindow = TimeSpan.FromMilliseconds(100),
            VoiceEndpoint = null,
        };
        foreach (var guild in guilds)
        {
            options.Guilds.Add(new FakeGuild(guild, $"guild {guild}", []));
        }

        FakeDiscord? discord = null;
        options.VoiceEndpointFor = (_, channel) =>
            discord is { EndpointsAvailable: true } d && d._voiceServers.TryGetValue(channel, out var server) ? server.Endpoint : null;
        discord = new FakeDiscord(await FakeDiscordServer.StartAsync(options));
        return discord;
    }

    /// <summary>The voice server of a channel (started on first use).</summary>
    public async Task<FakeVoiceServer> VoiceServerAsync(ulong channelId)
    {
        if (_voiceServers.TryGetValue(channelId, out var existing))
        {
            return existing;
        }

        var server = await FakeVoiceServer.StartAsync(new FakeVoiceServerOptions { ChannelId = channelId, HeartbeatIntervalMs = VoiceHeartbeatIntervalMs });
        return _voiceServers.GetOrAdd(channelId, server);
    }

    /// <summary>Client options for the service or a shard manager: this fake, one shard, fast backoff.</summary>
    public Dictionary<string, string?> ClientConfiguration() => new()
    {
        ["Discord:Token"] = Token,
        ["Discord:ApiBaseUrl"] = Gateway.ApiBaseUrl.ToString(),
        ["Discord:GatewayUrl"] = Gateway.GatewayUrl.ToString(),
        ["Discord:ShardCount"] = "1",
        ["Discord:MaxConcurrency"] = "1",
        ["Discord:IdentifyWindow"] = "00:00:00.150",
        ["Discord:ReconnectBaseDelay"] = "00:00:00.050",
        ["Discord:ReconnectMaxDelay"] = "00:00:00.500",
    };

    public DiscordOptions ClientOptions() => new()
    {
        Token = Token,
        ApiBaseUrl = Gateway.ApiBaseUrl,
        GatewayUrl = Gateway.GatewayUrl,
        ShardCount = 1,
        MaxConcurrency = 1,
        IdentifyWindow = TimeSpan.FromMilliseconds(150),
        ReconnectBaseDelay = TimeSpan.FromMilliseconds(50),
        ReconnectMaxDelay = TimeSpan.FromMilliseconds(500),
    };

    public async ValueTask DisposeAsync()
    {
        foreach (var server in _voiceServers.Values)
        {
            await server.DisposeAsync();
        }

        await Gateway.DisposeAsync();
    }
}
