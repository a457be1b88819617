using System.Globalization;
using AudioOrchestrator.Contracts;
using AudioOrchestrator.Discord.Fakes;
using AudioOrchestrator.Discord.Guilds;
using AudioOrchestrator.Ingress.Tests.Guilds;
using AudioOrchestrator.Ingress.Tests.Support;
using AudioOrchestrator.Testing;

namespace AudioOrchestrator.Ingress.Tests.Discord;

/// <summary>Auto-join on start, leaving a channel where the bot is alone, and rejoining the remembered channel after a restart.</summary>
[Collection(nameof(VoiceSocketCollection))]
public sealed class VoiceChannelKeeperTests
{
    private const ulong LonelyGuild = 2000UL << 22;
    private const ulong BusyGuild = 2001UL << 22;
    private const ulong LonelyChannel = 720_000_000_000_000_001;
    private const ulong BusyChannel = 720_000_000_000_000_002;
    private const ulong User = 730_000_000_000_000_001;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static Task<ulong?> RememberedAsync(IngressProcess ingress, ulong guild) =>
        ingress.Cluster.GetGrain<IDiscordGuildVoiceChannelGrain>(guild.ToString(CultureInfo.InvariantCulture)).GetAsync();

    /// <summary>The leave is remembered just after the voice connection closes: poll for it.</summary>
    private static Task WaitForgottenAsync(IngressProcess ingress, ulong guild) =>
        TestWait.UntilAsync(() => RememberedAsync(ingress, guild).GetAwaiter().GetResult() is null, $"guild {guild}'s channel forgotten");

    private static string Id(ulong id) => id.ToString(CultureInfo.InvariantCulture);

    private static Task UserLeavesAsync(DiscordService service, ulong guild, ulong user) =>
        service.Discord.Gateway.SessionForShard(0).DispatchAsync(
            "VOICE_STATE_UPDATE",
            $$"""{"guild_id":"{{Id(guild)}}","channel_id":null,"user_id":"{{Id(user)}}","session_id":"user-session","deaf":false,"mute":false,"self_deaf":false,"self_mute":false,"self_video":false,"suppress":false,"request_to_speak_timestamp":null}""");

    private static bool IsConnectedIn(IngressProcess ingress, ulong guild, ulong channel) =>
        ingress.Voice.GetSnapshot(guild) is { State: GuildVoiceState.Connected } snapshot && snapshot.ChannelId == channel;

    [Fact]
    public async Task Configured_channels_are_joined_on_start_and_left_after_the_alone_timeout_unless_someone_is_there()
    {
        await using var cluster = await DiscordService.StartAsync([LonelyGuild, BusyGuild], toneEngines: true, discord: false);
        var guilds = cluster.Discord.Gateway.Options.Guilds;
        var busy = guilds.Single(g => g.Id == BusyGuild);
        guilds[guilds.IndexOf(busy)] = busy with { VoiceStates = [new FakeVoiceState(User, BusyChannel, "user-session")] };
        await cluster.Discord.VoiceServerAsync(LonelyChannel);
        await cluster.Discord.VoiceServerAsync(BusyChannel);
        await using var ingress = await IngressProcess.StartAsync(cluster, 1, new Dictionary<string, string?>
        {
            ["Discord:Transport:AutoJoin:0:GuildId"] = Id(LonelyGuild),
            ["Discord:Transport:AutoJoin:0:ChannelId"] = Id(LonelyChannel),
            ["Discord:Transport:AutoJoin:1:GuildId"] = Id(BusyGuild),
            ["Discord:Transport:AutoJoin:1:ChannelId"] = Id(BusyChannel),
            ["Discord:Transport:AloneTimeout"] = "00:00:01",
        });

        // Both auto-joined; the bot is alone in one channel and leaves it (forgetting it), the other has a user.
        await TestWait.UntilAsync(() => IsConnectedIn(ingress, BusyGuild, BusyChannel), "auto-joined the busy channel");
        await TestWait.UntilAsync(() => cluster.Discord.Gateway.VoiceStateRequests.Any(r => r.GuildId == LonelyGuild && r.ChannelId == LonelyChannel), "auto-join op 4 for the lonely channel");
        await TestWait.UntilAsync(() => cluster.Discord.Gateway.VoiceStateRequests.Any(r => r.GuildId == LonelyGuild && r.ChannelId is null), "left the lonely channel");
        await TestWait.UntilAsync(() => ingress.Voice.GetSnapshot(LonelyGuild)!.State == GuildVoiceState.Disconnected, "disconnected from the lonely channel");

        await WaitForgottenAsync(ingress, LonelyGuild);
        Assert.True(IsConnectedIn(ingress, BusyGuild, BusyChannel));
        Assert.Equal(BusyChannel, await RememberedAsync(ingress, BusyGuild));
        Assert.Contains(ingress.Logs.Lines, l => l.Contains("alone in the voice channel", StringComparison.Ordinal) && l.Contains(Id(LonelyGuild), StringComparison.Ordinal));

        // The user leaves: the bot follows after the timeout.
        await UserLeavesAsync(cluster, BusyGuild, User);
        await TestWait.UntilAsync(() => ingress.Voice.GetSnapshot(BusyGuild)!.State == GuildVoiceState.Disconnected, "left the busy channel once alone");
        await WaitForgottenAsync(ingress, BusyGuild);
        Assert.Equal(1, cluster.Discord.Gateway.VoiceStateRequests.Count(r => r.GuildId == BusyGuild && r.ChannelId == BusyChannel));
    }

    [Fact]
    public async Task After_a_restart_the_remembered_channel_is_rejoined_and_after_a_leave_it_is_not()
    {
        await using var cluster = await DiscordService.StartAsync([LonelyGuild], toneEngines: true, discord: false);
        await cluster.Discord.VoiceServerAsync(LonelyChannel);
        var settings = new Dictionary<string, string?> { ["Discord:Transport:AloneTimeout"] = "00:00:00" };
        await using (var first = await IngressProcess.StartAsync(cluster, 1, settings))
        {
            await TestWait.UntilAsync(() => first.Voice.IsKnownGuild(LonelyGuild), "the guild is available");
            await first.Control.JoinAsync(LonelyGuild, LonelyChannel, Ct);
            Assert.Equal(LonelyChannel, await RememberedAsync(first, LonelyGuild));
        }

        await using (var restarted = await IngressProcess.StartAsync(cluster, 1, settings))
        {
            await TestWait.UntilAsync(() => IsConnectedIn(restarted, LonelyGuild, LonelyChannel), "rejoined after the restart");
            await TestWait.UntilAsync(() => restarted.Logs.Lines.Any(l => l.Contains("(rejoin)", StringComparison.Ordinal)), "the rejoin logged");
            Assert.True(await restarted.Control.LeaveAsync(LonelyGuild, Ct));
            Assert.Null(await RememberedAsync(restarted, LonelyGuild));
        }

        var joinsBefore = cluster.Discord.Gateway.VoiceStateRequests.Count(r => r.GuildId == LonelyGuild && r.ChannelId is not null);
        await using var again = await IngressProcess.StartAsync(cluster, 1, settings);
        await TestWait.UntilAsync(() => again.Voice.IsKnownGuild(LonelyGuild), "the guild is available again");
        await Task.Delay(TimeSpan.FromSeconds(1), Ct);

        Assert.Equal(2, joinsBefore);
        Assert.Equal(joinsBefore, cluster.Discord.Gateway.VoiceStateRequests.Count(r => r.GuildId == LonelyGuild && r.ChannelId is not null));
        Assert.Equal(GuildVoiceState.Disconnected, again.Voice.GetSnapshot(LonelyGuild)!.State);
    }

    [Theory]
    [InlineData("Discord:Transport:ShardLeaseRenewInterval", "00:00:20", "ShardLeaseRenewInterval")]
    [InlineData("Discord:Transport:AutoJoin:0:GuildId", "0", "AutoJoin:0")]
    [InlineData("Discord:Transport:AloneTimeout", "-00:00:01", "AloneTimeout")]
    public async Task Bad_options_stop_the_ingress_at_start_with_the_key_named(string key, string value, string named)
    {
        await using var cluster = await DiscordService.StartAsync([LonelyGuild], toneEngines: true, discord: false);
        var settings = new Dictionary<string, string?>
        {
            ["Discord:Transport:AutoJoin:0:GuildId"] = Id(LonelyGuild),
            ["Discord:Transport:AutoJoin:0:ChannelId"] = Id(LonelyChannel),
            [key] = value,
        };

        var error = await Assert.ThrowsAnyAsync<Exception>(() => IngressProcess.StartAsync(cluster, 1, settings));

        Assert.Contains(named, error.ToString(), StringComparison.Ordinal);
        Assert.Empty(cluster.Discord.Gateway.Connections);
    }
}
