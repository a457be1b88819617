using System.Globalization;
using AudioOrchestrator.Contracts;
using AudioOrchestrator.Discord.Guilds;
using AudioOrchestrator.Ingress.Discord;
using AudioOrchestrator.Ingress.Tests.Guilds;
using AudioOrchestrator.Ingress.Tests.Support;
using AudioOrchestrator.Testing;

namespace AudioOrchestrator.Ingress.Tests.Discord;

/// <summary>
/// Several ingress processes (Orleans clients with the real Discord transport) on one cluster and one fake Discord
/// with two shards: each shard runs in exactly one process, and a stopped or crashed process's shards are taken over.
/// </summary>
[Collection(nameof(VoiceSocketCollection))]
public sealed class ShardLeaseTransportTests
{
    /// <summary>A guild of shard 0 and one of shard 1 (<c>(id &gt;&gt; 22) % 2</c>).</summary>
    public const ulong GuildOfShard0 = 1000UL << 22;
    public const ulong GuildOfShard1 = 1001UL << 22;

    private static readonly Dictionary<string, string?> FastLeases = new()
    {
        ["Discord:Transport:ShardLeaseTtl"] = "00:00:02",
        ["Discord:Transport:ShardLeaseRenewInterval"] = "00:00:00.250",
    };

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static Dictionary<string, string?> Settings(params (string Key, string? Value)[] extra)
    {
        var settings = new Dictionary<string, string?>(FastLeases);
        foreach (var (key, value) in extra)
        {
            settings[key] = value;
        }

        return settings;
    }

    private static int IdentifiesOf(DiscordService service, int shard) => service.Discord.Gateway.Identifies.Count(i => i.ShardId == shard);

    [Fact]
    public async Task Two_processes_limited_to_one_shard_each_run_one_shard_each_and_each_shard_is_identified_once()
    {
        await using var cluster = await DiscordService.StartAsync([GuildOfShard0, GuildOfShard1], toneEngines: true, discord: false);
        await using var first = await IngressProcess.StartAsync(cluster, 2, Settings(("Discord:Transport:ShardLeaseMaxShards", "1")));
        await using var second = await IngressProcess.StartAsync(cluster, 2, Settings(("Discord:Transport:ShardLeaseMaxShards", "1")));
        await TestWait.UntilAsync(() => first.Voice.IsKnownGuild(GuildOfShard0) && second.Voice.IsKnownGuild(GuildOfShard1), "each process sees its shard's guild");

        // A few renewal rounds later nothing has moved.
        await Task.Delay(TimeSpan.FromSeconds(1), Ct);

        Assert.Equal([0], first.Shards.RunningShardIds);
        Assert.Equal([1], second.Shards.RunningShardIds);
        Assert.Equal((1, 1), (IdentifiesOf(cluster, 0), IdentifiesOf(cluster, 1)));
        Assert.False(first.Voice.IsKnownGuild(GuildOfShard1));
        Assert.Null(first.Control.GetStatus(GuildOfShard1));
        Assert.Equal([GuildOfShard0], first.Control.GetGuilds().Select(g => g.GuildId));
        var refused = await Assert.ThrowsAsync<GuildVoiceException>(() => first.Control.JoinAsync(GuildOfShard1, 42, Ct));
        Assert.Contains("another ingress process holds its shard 1", refused.Message, StringComparison.Ordinal);
        Assert.False(await first.Control.LeaveAsync(GuildOfShard1, Ct));
        var lease = await first.Cluster.GetGrain<IDiscordShardLeaseGrain>(second.Leases.LeaseKey(1)).GetAsync();
        Assert.Equal(second.Leases.OwnerId, lease.Holder);
    }

    [Fact]
    public async Task A_stopped_process_releases_its_shards_and_the_other_process_takes_them_over()
    {
        await using var cluster = await DiscordService.StartAsync([GuildOfShard0, GuildOfShard1], toneEngines: true, discord: false);
        var first = await IngressProcess.StartAsync(cluster, 2, Settings());
        await using var second = await IngressProcess.StartAsync(cluster, 2, Settings());
        await TestWait.UntilAsync(() => first.Voice.IsKnownGuild(GuildOfShard0) && first.Voice.IsKnownGuild(GuildOfShard1), "the first process serves both guilds");

        Assert.Equal([0, 1], first.Shards.RunningShardIds);
        Assert.Empty(second.Shards.RunningShardIds);
        Assert.Equal((1, 1), (IdentifiesOf(cluster, 0), IdentifiesOf(cluster, 1)));

        await first.DisposeAsync();
        await TestWait.UntilAsync(() => second.Voice.IsKnownGuild(GuildOfShard0) && second.Voice.IsKnownGuild(GuildOfShard1), "the second process serves both guilds");

        Assert.Equal([0, 1], second.Shards.RunningShardIds);
        Assert.Equal((2, 2), (IdentifiesOf(cluster, 0), IdentifiesOf(cluster, 1)));
        Assert.Contains(first.Logs.Lines, l => l.Contains("lease", StringComparison.Ordinal) && l.Contains("released", StringComparison.Ordinal));
        Assert.Equal(2, second.Logs.Lines.Count(l => l.Contains("acquired, starting the shard", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task The_shard_of_a_crashed_process_is_taken_over_once_its_lease_lapses()
    {
        await using var cluster = await DiscordService.StartAsync([GuildOfShard0, GuildOfShard1], toneEngines: true, discord: false);
        await using var survivor = await IngressProcess.StartAsync(cluster, 2, Settings(("Discord:Transport:ShardLeaseMaxShards", "1")));
        await TestWait.UntilAsync(() => survivor.Voice.IsKnownGuild(GuildOfShard0), "the survivor serves shard 0");

        // A process that took shard 1 and then died without releasing it (no renewals from now on).
        var crashedLease = survivor.Cluster.GetGrain<IDiscordShardLeaseGrain>(survivor.Leases.LeaseKey(1));
        var crashed = await crashedLease.TryAcquireAsync("crashed-process", TimeSpan.FromSeconds(3));
        Assert.True(crashed.Granted);

        // The survivor is allowed a second shard now; a new process with room for both starts while the lease still holds.
        await using var newcomer = await IngressProcess.StartAsync(cluster, 2, Settings());
        Assert.Empty(newcomer.Shards.RunningShardIds);
        Assert.Equal(0, IdentifiesOf(cluster, 1));

        await TestWait.UntilAsync(() => newcomer.Voice.IsKnownGuild(GuildOfShard1), "shard 1 taken over after the lease lapsed");

        Assert.True(DateTimeOffset.UtcNow >= crashed.ExpiresAt);
        Assert.Equal([1], newcomer.Shards.RunningShardIds);
        Assert.Equal([0], survivor.Shards.RunningShardIds);
        Assert.Equal(1, IdentifiesOf(cluster, 1));
        Assert.Equal(newcomer.Leases.OwnerId, (await crashedLease.GetAsync()).Holder);
    }

    [Fact]
    public async Task A_process_that_loses_a_lease_stops_the_shard_and_closes_its_voice_without_forgetting_the_channel()
    {
        const ulong channel = 740_000_000_000_000_001;
        await using var cluster = await DiscordService.StartAsync([GuildOfShard0], toneEngines: true, discord: false);
        await cluster.Discord.VoiceServerAsync(channel);
        await using var ingress = await IngressProcess.StartAsync(cluster, 1, Settings(("Discord:Transport:AloneTimeout", "00:00:00")));
        await TestWait.UntilAsync(() => ingress.Voice.IsKnownGuild(GuildOfShard0), "the guild is available");
        await ingress.Control.JoinAsync(GuildOfShard0, channel, Ct);

        // Another owner gets the lease behind the process's back (as after a long partition from the cluster). A renewal
        // between the release and the intruder's acquire takes the free lease again (as it should): then try again.
        var lease = ingress.Cluster.GetGrain<IDiscordShardLeaseGrain>(ingress.Leases.LeaseKey(0));
        await TestWait.UntilAsync(
            async () =>
            {
                await lease.ReleaseAsync(ingress.Leases.OwnerId);
                return (await lease.TryAcquireAsync("intruder", TimeSpan.FromMinutes(1))).Granted;
            },
            "the intruder holds the lease");

        await TestWait.UntilAsync(() => !ingress.Shards.IsShardRunning(0), "the shard stopped");
        await TestWait.UntilAsync(() => ingress.Voice.GetSnapshot(GuildOfShard0)?.State == GuildVoiceState.Disconnected, "voice closed here");

        Assert.Null(ingress.Control.GetStatus(GuildOfShard0));
        Assert.Contains(ingress.Logs.Lines, l => l.Contains("lease lost", StringComparison.Ordinal) && l.Contains("intruder", StringComparison.Ordinal));
        Assert.DoesNotContain(cluster.Discord.Gateway.VoiceStateRequests, r => r.GuildId == GuildOfShard0 && r.ChannelId is null);
        var remembered = await ingress.Cluster.GetGrain<IDiscordGuildVoiceChannelGrain>(GuildOfShard0.ToString(CultureInfo.InvariantCulture)).GetAsync();
        Assert.Equal(channel, remembered);
        Assert.Equal("intruder", (await lease.GetAsync()).Holder);
    }
}
