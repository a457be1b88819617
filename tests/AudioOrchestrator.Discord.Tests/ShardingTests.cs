using System.Net;
using AudioOrchestrator.Discord.Fakes;
using AudioOrchestrator.Discord.Gateway;
using AudioOrchestrator.Discord.Rest;
using AudioOrchestrator.Discord.Tests.Support;
using AudioOrchestrator.Testing;
using Microsoft.Extensions.Options;

namespace AudioOrchestrator.Discord.Tests;

public sealed class ShardingTests
{
    [Fact]
    public void Guilds_route_by_the_documented_formula()
    {
        // shard_id = (guild_id >> 22) % num_shards
        Assert.Equal(0, ShardInfo.ForGuild(0, 1));
        Assert.Equal(1, ShardInfo.ForGuild(1UL << 22, 3));
        Assert.Equal(2, ShardInfo.ForGuild((5UL << 22) | 0x3FFFFF, 3));
        Assert.Equal((int)((197038439483310086UL >> 22) % 16), ShardInfo.ForGuild(197038439483310086, 16));
    }

    [Fact]
    public async Task Gateway_bot_is_called_with_the_bot_authorization()
    {
        await using var fake = await FakeDiscordServer.StartAsync(new FakeDiscordOptions { RecommendedShards = 4, MaxConcurrency = 2 }, TestContext.Current.CancellationToken);
        using var http = new HttpClient();
        var rest = new DiscordRestClient(http, Options.Create(new DiscordOptions { Token = fake.Options.Token, ApiBaseUrl = new Uri(fake.ApiBaseUrl.ToString().TrimEnd('/')) }));
        var info = await rest.GetGatewayBotAsync(TestContext.Current.CancellationToken);
        Assert.Equal(fake.GatewayUrl, info.Url);
        Assert.Equal(4, info.Shards);
        Assert.Equal(2, info.SessionStartLimit.MaxConcurrency);
        Assert.Equal(1, fake.GatewayBotCalls);

        var wrong = new DiscordRestClient(http, Options.Create(new DiscordOptions { Token = "nope", ApiBaseUrl = fake.ApiBaseUrl }));
        var error = await Assert.ThrowsAsync<DiscordRestException>(() => wrong.GetGatewayBotAsync(TestContext.Current.CancellationToken));
        Assert.Equal(HttpStatusCode.Unauthorized, error.Status);
        Assert.DoesNotContain("nope", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Three_shards_from_gateway_bot_identify_one_per_window_and_route_guilds()
    {
        var window = TimeSpan.FromMilliseconds(300);
        var fakeOptions = GatewayHarness.FakeOptions();
        fakeOptions.RecommendedShards = 3;
        fakeOptions.MaxConcurrency = 1;
        fakeOptions.IdentifyWindow = window;
        ulong[] guilds = [(0UL << 22) | 1, (1UL << 22) | 2, (2UL << 22) | 3, (4UL << 22) | 4, (8UL << 22) | 5];
        foreach (var id in guilds)
        {
            fakeOptions.Guilds.Add(new FakeGuild(id, "g" + id, [new FakeVoiceState(1000 + (id & 0xFF), 77, "s")]));
        }

        await using var fake = await FakeDiscordServer.StartAsync(fakeOptions, TestContext.Current.CancellationToken);
        var options = GatewayHarness.ClientOptions(fake);
        options.ShardCount = null;
        options.GatewayUrl = null;
        options.MaxConcurrency = null;
        options.IdentifyWindow = window + TimeSpan.FromMilliseconds(20);
        var logs = new CapturingLoggerProvider();
        using var http = new HttpClient();
        await using var manager = new DiscordShardManager(Options.Create(options), logs, new DiscordRestClient(http, Options.Create(options)));
        var available = new System.Collections.Concurrent.ConcurrentBag<GuildAvailable>();
        manager.GuildAvailable += (_, e) => available.Add(e);

        await manager.StartAsync(TestContext.Current.CancellationToken);
        using var timeout = new CancellationTokenSource(GatewayHarness.Timeout);
        await manager.WaitUntilReadyAsync(timeout.Token);
        await TestWait.UntilAsync(() => available.Count == guilds.Length, "every GUILD_CREATE", GatewayHarness.Timeout);

        Assert.Equal(3, manager.ShardCount);
        Assert.Equal(1, manager.MaxConcurrency);
        Assert.Equal(1, fake.GatewayBotCalls);

        // One identify per window: never an Invalid Session for concurrency, and the identifies are spaced.
        var identifies = fake.Identifies.OrderBy(i => i.At).ToArray();
        Assert.Equal([0, 1, 2], identifies.Select(i => i.ShardId).Order().ToArray());
        Assert.All(identifies.Zip(identifies.Skip(1)), pair => Assert.True(pair.Second.At - pair.First.At >= window));
        Assert.Equal(3, fake.Sessions.Count);

        foreach (var guildId in guilds)
        {
            var shardId = (int)((guildId >> 22) % 3);
            Assert.Equal(shardId, manager.ShardIdForGuild(guildId));
            Assert.Equal(shardId, available.Single(g => g.GuildId == guildId).ShardId);
            Assert.Equal(guildId, Assert.Single(manager.ShardForGuild(guildId).VoiceStates.Get(guildId)).GuildId);
            foreach (var other in manager.Shards.Where(s => s.Shard.Id != shardId))
            {
                Assert.Empty(other.VoiceStates.Get(guildId));
            }

            await manager.UpdateVoiceStateAsync(guildId, 77, selfMute: false, selfDeaf: false, TestContext.Current.CancellationToken);
        }

        await TestWait.UntilAsync(() => fake.VoiceStateRequests.Count == guilds.Length, "every join", GatewayHarness.Timeout);
        foreach (var request in fake.VoiceStateRequests)
        {
            Assert.Equal((int)((request.GuildId >> 22) % 3), request.ShardId);
        }

        await manager.StopAsync(TestContext.Current.CancellationToken);
    }

    [Fact]
    public async Task Max_concurrency_two_identifies_two_shards_at_once()
    {
        var window = TimeSpan.FromMilliseconds(400);
        var fakeOptions = GatewayHarness.FakeOptions();
        fakeOptions.MaxConcurrency = 2;
        fakeOptions.IdentifyWindow = window;
        await using var fake = await FakeDiscordServer.StartAsync(fakeOptions, TestContext.Current.CancellationToken);
        var options = GatewayHarness.ClientOptions(fake);
        options.ShardCount = 4;
        options.MaxConcurrency = 2;
        options.IdentifyWindow = window + TimeSpan.FromMilliseconds(20);
        var logs = new CapturingLoggerProvider();
        await using var manager = new DiscordShardManager(Options.Create(options), logs);
        await manager.StartAsync(TestContext.Current.CancellationToken);
        using var timeout = new CancellationTokenSource(GatewayHarness.Timeout);
        await manager.WaitUntilReadyAsync(timeout.Token);

        var at = fake.Identifies.ToDictionary(i => i.ShardId, i => i.At);
        Assert.Equal(4, at.Count);
        Assert.True((at[0] - at[1]).Duration() < window, "shards 0 and 1 are in different buckets and go first: " + string.Join(", ", at.OrderBy(a => a.Key).Select(a => $"{a.Key}@{a.Value.TotalMilliseconds:0}")) + " ops " + string.Join(",", fake.Received.Select(r => $"{r.ConnectionId}:{r.Op}")));
        Assert.True(at[2] - at[0] >= window);
        Assert.True(at[3] - at[1] >= window);
        Assert.DoesNotContain(fake.Received, p => p.Op == 6);
        await manager.StopAsync(TestContext.Current.CancellationToken);
    }
}
