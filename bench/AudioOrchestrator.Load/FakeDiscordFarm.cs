using System.Collections.Concurrent;
using System.Globalization;
using AudioOrchestrator.Discord.Fakes;
using AudioOrchestrator.Discord.Fakes.Voice;

namespace AudioOrchestrator.Load;

/// <summary>
/// The local fake Discord for the run: one gateway that knows every guild, and a voice server (WebSocket, UDP relay with
/// transport AEAD, DAVE group) per voice channel, started when a guild is joined.
/// </summary>
internal sealed class FakeDiscordFarm : IAsyncDisposable
{
    public const ulong BotId = 900_000_000_000_000_001;
    private readonly ConcurrentDictionary<ulong, FakeVoiceServer> _voiceServers = new();

    private FakeDiscordFarm(FakeDiscordServer gateway) => Gateway = gateway;

    public FakeDiscordServer Gateway { get; }

    public static ulong GuildOf(int index) => 82_000_000_000_000_000UL + (ulong)index;

    public static ulong ChannelOf(int index) => 720_000_000_000_000_000UL + (ulong)index;

    public static ulong UserOf(int index) => 520_000_000_000_000_000UL + (ulong)index;

    public static async Task<FakeDiscordFarm> StartAsync(int guilds)
    {
        var options = new FakeDiscordOptions
        {
            Token = "fake-load-token-" + Guid.NewGuid().ToString("N")[..8],
            BotUserId = BotId,
            HeartbeatIntervalMs = 5000,
            IdentifyWindow = TimeSpan.FromMilliseconds(100),
            VoiceEndpoint = null,
            SendLimit = 1_000_000,
        };
        for (var i = 0; i < guilds; i++)
        {
            // The guild's user is in its voice channel from the start, as the gateway tells the bot (GUILD_CREATE's
            // voice states): without it the bot is alone there and leaves after Discord:Transport:AloneTimeout (2 min),
            // which cut every Discord speaker's answers two minutes into a run.
            options.Guilds.Add(new FakeGuild(GuildOf(i), $"load guild {i}", [new FakeVoiceState(UserOf(i), ChannelOf(i), $"load-user-{i}")]));
        }

        FakeDiscordFarm? farm = null;
        options.VoiceEndpointFor = (_, channel) => farm is not null && farm._voiceServers.TryGetValue(channel, out var server) ? server.Endpoint : null;
        farm = new FakeDiscordFarm(await FakeDiscordServer.StartAsync(options));
        return farm;
    }

    /// <summary>The service's Discord configuration: this fake, one shard, no send limit in the way of joining hundreds of channels.</summary>
    public Dictionary<string, string?> ClientConfiguration() => new()
    {
        ["Discord:Token"] = Gateway.Options.Token,
        ["Discord:ApiBaseUrl"] = Gateway.ApiBaseUrl.ToString(),
        ["Discord:GatewayUrl"] = Gateway.GatewayUrl.ToString(),
        ["Discord:ShardCount"] = "1",
        ["Discord:MaxConcurrency"] = "1",
        ["Discord:IdentifyWindow"] = "00:00:00.150",
        ["Discord:SendLimit"] = "1000000",
        ["Discord:ReconnectBaseDelay"] = "00:00:00.050",
        ["Discord:ReconnectMaxDelay"] = "00:00:00.500",
    };

    public async Task<FakeVoiceServer> VoiceServerAsync(ulong channelId)
    {
        if (_voiceServers.TryGetValue(channelId, out var existing))
        {
            return existing;
        }

        var server = await FakeVoiceServer.StartAsync(new FakeVoiceServerOptions { ChannelId = channelId, Token = null });
        return _voiceServers.GetOrAdd(channelId, server);
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var server in _voiceServers.Values)
        {
            await server.DisposeAsync();
        }

        await Gateway.DisposeAsync();
    }

    public static string Id(ulong id) => id.ToString(CultureInfo.InvariantCulture);
}
