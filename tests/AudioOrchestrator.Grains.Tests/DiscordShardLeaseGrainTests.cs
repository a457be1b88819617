using AudioOrchestrator.Contracts;
using AudioOrchestrator.Grains.Discord;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Runtime;

namespace AudioOrchestrator.Grains.Tests;

/// <summary>A clock that runs with the system's but can be moved forward (Orleans' own timers keep real time).</summary>
public sealed class AdjustableClock : TimeProvider
{
    private long _offsetTicks;

    public void Advance(TimeSpan by) => Interlocked.Add(ref _offsetTicks, by.Ticks);

    public override DateTimeOffset GetUtcNow() => base.GetUtcNow() + TimeSpan.FromTicks(Interlocked.Read(ref _offsetTicks));
}

/// <summary>The pipeline cluster whose silo reads <see cref="Clock"/> for wall-clock time.</summary>
public sealed class LeaseCluster : PipelineCluster
{
    public AdjustableClock Clock { get; } = new();

    protected override void ConfigureSiloServices(IServiceCollection services) => services.AddSingleton<TimeProvider>(Clock);
}

public sealed class DiscordShardLeaseGrainTests(LeaseCluster cluster) : IClassFixture<LeaseCluster>
{
    private static readonly TimeSpan Ttl = TimeSpan.FromMinutes(1);

    private static IDiscordShardLeaseGrain Lease(IClusterClient client) =>
        client.GetGrain<IDiscordShardLeaseGrain>(DiscordShardLeases.Key("bot-" + Guid.NewGuid().ToString("N"), 0, 2));

    [Fact]
    public async Task A_free_lease_is_granted_and_a_second_owner_is_refused_with_the_holder()
    {
        var lease = Lease(cluster.Client);

        var first = await lease.TryAcquireAsync("a", Ttl);
        var second = await lease.TryAcquireAsync("b", Ttl);

        Assert.True(first.Granted);
        Assert.Equal("a", first.Holder);
        Assert.False(second.Granted);
        Assert.Equal("a", second.Holder);
        Assert.Equal(first.ExpiresAt, second.ExpiresAt);
        Assert.Equal("a", (await lease.GetAsync()).Holder);
    }

    [Fact]
    public async Task Only_one_of_many_concurrent_owners_is_granted()
    {
        var lease = Lease(cluster.Client);

        var results = await Task.WhenAll(Enumerable.Range(0, 16).Select(i => lease.TryAcquireAsync($"owner-{i}", Ttl)));

        var winner = Assert.Single(results, r => r.Granted);
        Assert.All(results, r => Assert.Equal(winner.Holder, r.Holder));
    }

    [Fact]
    public async Task The_holder_renews_and_acquiring_again_renews_too_but_others_cannot_renew()
    {
        var lease = Lease(cluster.Client);
        var first = await lease.TryAcquireAsync("a", Ttl);
        cluster.Clock.Advance(TimeSpan.FromSeconds(40));

        var renewed = await lease.RenewAsync("a", Ttl);
        var stranger = await lease.RenewAsync("b", Ttl);
        cluster.Clock.Advance(TimeSpan.FromSeconds(40)); // past the first expiry, within the renewed one
        var reacquired = await lease.TryAcquireAsync("a", Ttl);
        var contender = await lease.TryAcquireAsync("b", Ttl);

        Assert.True(renewed.Granted);
        Assert.True(renewed.ExpiresAt > first.ExpiresAt);
        Assert.False(stranger.Granted);
        Assert.Equal("a", stranger.Holder);
        Assert.True(reacquired.Granted);
        Assert.False(contender.Granted);
    }

    [Fact]
    public async Task An_expired_lease_is_taken_over_and_the_old_holder_can_no_longer_renew_or_release_it()
    {
        var lease = Lease(cluster.Client);
        await lease.TryAcquireAsync("a", Ttl);
        cluster.Clock.Advance(Ttl + TimeSpan.FromSeconds(1));

        var expired = await lease.GetAsync();
        var takeover = await lease.TryAcquireAsync("b", Ttl);
        var lateRenew = await lease.RenewAsync("a", Ttl);
        var lateRelease = await lease.ReleaseAsync("a");

        Assert.Null(expired.Holder);
        Assert.True(takeover.Granted);
        Assert.Equal("b", takeover.Holder);
        Assert.False(lateRenew.Granted);
        Assert.Equal("b", lateRenew.Holder);
        Assert.False(lateRelease);
        Assert.Equal("b", (await lease.GetAsync()).Holder);
    }

    [Fact]
    public async Task A_lapsed_lease_is_not_renewed_even_when_nobody_took_it()
    {
        var lease = Lease(cluster.Client);
        await lease.TryAcquireAsync("a", Ttl);
        cluster.Clock.Advance(Ttl);

        var renew = await lease.RenewAsync("a", Ttl);

        Assert.False(renew.Granted);
        Assert.Null(renew.Holder);
    }

    [Fact]
    public async Task Release_frees_the_lease_only_for_its_holder()
    {
        var lease = Lease(cluster.Client);
        await lease.TryAcquireAsync("a", Ttl);

        var byStranger = await lease.ReleaseAsync("b");
        var byHolder = await lease.ReleaseAsync("a");
        var next = await lease.TryAcquireAsync("b", Ttl);

        Assert.False(byStranger);
        Assert.True(byHolder);
        Assert.True(next.Granted);
    }

    [Fact]
    public async Task The_lease_survives_deactivation_of_its_grain()
    {
        var lease = Lease(cluster.Client);
        await lease.TryAcquireAsync("a", Ttl);
        var management = cluster.Client.GetGrain<IManagementGrain>(0);
        var before = await CountLeaseActivationsAsync(management);

        await management.ForceActivationCollection(TimeSpan.Zero, TestContext.Current.CancellationToken);
        var after = await CountLeaseActivationsAsync(management);
        var contender = await lease.TryAcquireAsync("b", Ttl);

        Assert.True(before > 0);
        Assert.Equal(0, after);
        Assert.False(contender.Granted);
        Assert.Equal("a", contender.Holder);
    }

    [Theory]
    [InlineData("", 60)]
    [InlineData(" ", 60)]
    [InlineData("a", 0)]
    [InlineData("a", -1)]
    [InlineData("a", 7200)]
    public async Task Bad_requests_are_refused_and_change_nothing(string owner, int ttlSeconds)
    {
        var lease = Lease(cluster.Client);
        await lease.TryAcquireAsync("holder", Ttl);

        await Assert.ThrowsAnyAsync<ArgumentException>(() => lease.TryAcquireAsync(owner, TimeSpan.FromSeconds(ttlSeconds)));
        await Assert.ThrowsAnyAsync<ArgumentException>(() => lease.RenewAsync(owner, TimeSpan.FromSeconds(ttlSeconds)));

        Assert.Equal("holder", (await lease.GetAsync()).Holder);
    }

    [Fact]
    public void Lease_keys_name_the_bot_the_shard_count_and_the_shard()
    {
        Assert.Equal("bot-1/4/3", DiscordShardLeases.Key("bot-1", 3, 4));
        Assert.Throws<ArgumentOutOfRangeException>(() => DiscordShardLeases.Key("bot-1", 4, 4));
        Assert.Throws<ArgumentOutOfRangeException>(() => DiscordShardLeases.Key("bot-1", -1, 4));
        Assert.ThrowsAny<ArgumentException>(() => DiscordShardLeases.Key(" ", 0, 1));
    }

    [Fact]
    public async Task The_desired_voice_channel_is_kept_across_deactivation_and_cleared_by_a_leave()
    {
        var guild = cluster.Client.GetGrain<IDiscordGuildVoiceChannelGrain>(Guid.NewGuid().ToString("N"));
        await guild.SetAsync(42);
        await cluster.Client.GetGrain<IManagementGrain>(0).ForceActivationCollection(TimeSpan.Zero, TestContext.Current.CancellationToken);

        var kept = await guild.GetAsync();
        await guild.SetAsync(null);
        var cleared = await guild.GetAsync();

        Assert.Equal(42UL, kept);
        Assert.Null(cleared);
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => guild.SetAsync(0));
    }

    private static async Task<int> CountLeaseActivationsAsync(IManagementGrain management)
    {
        var statistics = await management.GetSimpleGrainStatistics();
        return statistics.Where(s => s.GrainType.Contains(nameof(DiscordShardLeaseGrain), StringComparison.OrdinalIgnoreCase)).Sum(s => s.ActivationCount);
    }
}
