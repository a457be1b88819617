using AudioOrchestrator.Discord.Fakes;
using AudioOrchestrator.Discord.Gateway;
using AudioOrchestrator.Discord.Tests.Support;

namespace AudioOrchestrator.Discord.Tests;

/// <summary>The fake's injected slash commands reach the gateway client; malformed ones are counted and dropped.</summary>
public sealed class InteractionDispatchTests
{
    private const ulong GuildId = 41771983423143937;

    [Fact]
    public async Task A_slash_command_injected_by_the_fake_arrives_with_its_options()
    {
        await using var h = await GatewayHarness.StartAsync(f => f.Guilds.Add(new FakeGuild(GuildId, "g", [])));

        var sent = await h.Fake.Rest.SendSlashCommandAsync(GuildId, 7, 555, "ask", """[{"name":"question","type":3,"value":"echo hi"}]""");
        await h.WaitUntilAsync(() => !h.Interactions.IsEmpty, "INTERACTION_CREATE");

        var received = Assert.Single(h.Interactions);
        Assert.Equal((sent.Id, sent.Token, sent.ApplicationId), (received.Id, received.Token, received.ApplicationId));
        Assert.Equal((GuildId, 7UL, 555UL, "ask"), (received.GuildId!.Value, received.ChannelId!.Value, received.UserId!.Value, received.CommandName!));
        Assert.Equal("echo hi", received.Data.GetProperty("options")[0].GetProperty("value").GetString());
    }

    [Fact]
    public async Task Malformed_interactions_are_counted_and_the_next_one_still_arrives()
    {
        await using var h = await GatewayHarness.StartAsync(f => f.Guilds.Add(new FakeGuild(GuildId, "g", [])));

        await h.Fake.Rest.DispatchRawInteractionAsync(GuildId, """{"id":"12","type":2,"application_id":"1"}"""); // no token
        await h.Fake.Rest.DispatchRawInteractionAsync(GuildId, """{"id":"not-a-snowflake","type":2,"token":"t","application_id":"1"}""");
        await h.Fake.Rest.DispatchRawInteractionAsync(GuildId, "[]");
        await h.Fake.Rest.SendSlashCommandAsync(GuildId, 7, 555, "status");
        await h.WaitUntilAsync(() => !h.Interactions.IsEmpty, "the valid INTERACTION_CREATE");

        Assert.Equal("status", Assert.Single(h.Interactions).CommandName);
        Assert.Equal(3, h.Client.Statistics.MalformedPayloads);
        Assert.Equal(GatewayConnectionState.Ready, h.Client.State);
    }
}
