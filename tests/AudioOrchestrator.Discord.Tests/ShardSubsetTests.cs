using AudioOrchestrator.Discord.Fakes;
using AudioOrchestrator.Discord.Tests.Support;
using AudioOrchestrator.Testing;
using Microsoft.Extensions.Options;

namespace AudioOrchestrator.Discord.Tests;

/// <summary>A shard manager that runs only some shards (the others held by another process) and starts or stops them one by one.</summary>
public sealed class ShardSubsetTests
{
    private const ulong GuildOfShard0 = 10UL << 22;
    private const ulong GuildOfShard1 = 11UL << 22;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static async Task<(FakeDiscordServer Fake, DiscordShardManager Manager)> StartAsync(IReadOnlyCollection<int> shardIds)
    {
        var fakeOptions = GatewayHarness.FakeOptions();
        fakeOptions.IdentifyWindow = TimeSpan.FromMilliseconds(50);
        fakeOptions.Guilds.Add(new FakeGuild(GuildOfShard0, "zero", []));
        fakeOptions.Guilds.Add(new FakeGuild(GuildOfShard1, "one", []));
        var fake = await FakeDiscordServer.StartAsync(fakeOptions, Ct);
        var options = GatewayHarness.ClientOptions(fake);
        options.ShardCount = 2;
        options.MaxConcurrency = 1;
        options.IdentifyWindow = TimeSpan.FromMilliseconds(70);
        var manager = new DiscordShardManager(Options.Create(options), new CapturingLoggerProvider());
        await manager.StartAsync(shardIds, Ct);
        return (fake, manager);
    }

    private static int Identifies(FakeDiscordServer fake, int shard) => fake.Identifies.Count(i => i.ShardId == shard);

    [Fact]
    public async Task Only_the_selected_shards_identify_and_a_guild_of_another_shard_is_refused_clearly()
    {
        var (fake, manager) = await StartAsync([1]);
        await using var _ = fake;
        await using var __ = manager;
        using var ready = new CancellationTokenSource(GatewayHarness.Timeout);
        await manager.WaitUntilReadyAsync(ready.Token);

        Assert.Equal(2, manager.ShardCount);
        Assert.Equal([1], manager.RunningShardIds);
        Assert.Equal((0, 1), (Identifies(fake, 0), Identifies(fake, 1)));
        Assert.Equal(1, manager.ShardForGuild(GuildOfShard1).Shard.Id);
        var refused = Assert.Throws<DiscordShardNotRunningException>(() => manager.ShardForGuild(GuildOfShard0));
        Assert.Equal(0, refused.ShardId);
        Assert.Contains("another ingress process", refused.Message, StringComparison.Ordinal);
        await Assert.ThrowsAsync<DiscordShardNotRunningException>(() => manager.UpdateVoiceStateAsync(GuildOfShard0, 5, false, false, Ct));
        Assert.Empty(fake.VoiceStateRequests);
    }

    [Fact]
    public async Task A_shard_started_later_identifies_and_a_stopped_shard_can_be_started_again()
    {
        var (fake, manager) = await StartAsync([]);
        await using var _ = fake;
        await using var __ = manager;

        Assert.Empty(manager.RunningShardIds);
        Assert.True(await manager.StartShardAsync(0, Ct));
        Assert.False(await manager.StartShardAsync(0, Ct));
        await FakeServerReady(fake, 0, 1);

        Assert.True(await manager.StopShardAsync(0, Ct));
        Assert.False(await manager.StopShardAsync(0, Ct));
        Assert.False(manager.IsShardRunning(0));
        Assert.Throws<DiscordShardNotRunningException>(() => manager.ShardForGuild(GuildOfShard0));
        await TestWait.UntilAsync(() => fake.Connections.All(c => c.Ended), "the stopped shard's connection closed", GatewayHarness.Timeout);

        Assert.True(await manager.StartShardAsync(0, Ct));
        await FakeServerReady(fake, 0, 2);
        Assert.Equal([0], manager.RunningShardIds);
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => manager.StartShardAsync(2, Ct));
    }

    private static async Task FakeServerReady(FakeDiscordServer fake, int shard, int identifies)
    {
        await TestWait.UntilAsync(() => Identifies(fake, shard) == identifies, $"identify #{identifies} of shard {shard}", GatewayHarness.Timeout);
        Assert.Equal(identifies, Identifies(fake, shard));
    }
}
