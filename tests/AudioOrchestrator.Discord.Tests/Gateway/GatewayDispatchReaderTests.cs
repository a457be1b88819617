using System.Text.Json;
using AudioOrchestrator.Discord.Gateway;

namespace AudioOrchestrator.Discord.Tests.Gateway;

public sealed class GatewayDispatchReaderTests
{
    [Fact]
    public void Ready_gives_the_session_the_resume_url_the_user_and_the_guilds()
    {
        var ready = GatewayDispatchReader.ReadReady(3, Parse("""
            {"v":10,"session_id":"abc","resume_gateway_url":"wss://resume.example/","user":{"id":"42"},
             "guilds":[{"id":"7","unavailable":true},{"id":"8","unavailable":true}]}
            """));

        Assert.Equal(3, ready.ShardId);
        Assert.Equal("abc", ready.SessionId);
        Assert.Equal(new Uri("wss://resume.example/"), ready.ResumeGatewayUrl);
        Assert.Equal(42UL, ready.UserId);
        Assert.Equal([7UL, 8UL], ready.GuildIds);
    }

    [Theory]
    [InlineData("""{"resume_gateway_url":"wss://r/","user":{"id":"1"}}""", typeof(KeyNotFoundException))]
    [InlineData("""{"session_id":"s","resume_gateway_url":"not a url","user":{"id":"1"}}""", typeof(FormatException))]
    [InlineData("""{"session_id":null,"resume_gateway_url":"wss://r/","user":{"id":"1"}}""", typeof(FormatException))]
    [InlineData("""{"session_id":"s","resume_gateway_url":"wss://r/","user":{"id":"x"}}""", typeof(FormatException))]
    public void A_ready_without_what_a_resume_needs_is_rejected(string json, Type expected) =>
        Assert.Throws(expected, () => GatewayDispatchReader.ReadReady(0, Parse(json)));

    [Fact]
    public void Guild_create_gives_its_voice_states_the_guild_id_they_lack()
    {
        var guild = GatewayDispatchReader.ReadGuildCreate(1, Parse("""
            {"id":"100","name":"g","voice_states":[
              {"channel_id":"200","user_id":"11","session_id":"s11","self_mute":true},
              {"channel_id":null,"user_id":"12"}]}
            """));

        Assert.NotNull(guild);
        Assert.Equal(("g", 100UL, 1), (guild.Name, guild.GuildId, guild.ShardId));
        Assert.Equal(2, guild.VoiceStates.Count);
        Assert.All(guild.VoiceStates, s => Assert.Equal(100UL, s.GuildId));
        Assert.Equal(new VoiceState(100, 200, 11, "s11", false, false, false, true, false), guild.VoiceStates[0]);
        Assert.Equal(new VoiceState(100, null, 12, string.Empty, false, false, false, false, false), guild.VoiceStates[1]);
    }

    [Fact]
    public void An_unavailable_guild_is_not_a_guild_yet() =>
        Assert.Null(GatewayDispatchReader.ReadGuildCreate(0, Parse("""{"id":"100","unavailable":true}""")));

    [Fact]
    public void A_voice_server_update_without_an_endpoint_means_wait()
    {
        var moving = GatewayDispatchReader.ReadVoiceServerUpdate(2, Parse("""{"guild_id":"5","token":"t","endpoint":null}"""));
        var ready = GatewayDispatchReader.ReadVoiceServerUpdate(2, Parse("""{"guild_id":"5","token":"t","endpoint":"voice.example:443"}"""));

        Assert.Null(moving.Endpoint);
        Assert.Equal("voice.example:443", ready.Endpoint);
        Assert.Equal((2, 5UL, "t"), (ready.ShardId, ready.GuildId, ready.Token));
        Assert.Throws<KeyNotFoundException>(() => GatewayDispatchReader.ReadVoiceServerUpdate(0, Parse("""{"guild_id":"5"}""")));
    }

    [Theory]
    [InlineData("""{"member":{"user":{"id":"77"}},"guild_id":"9","channel_id":"10"}""", 77UL, 9UL)]
    [InlineData("""{"user":{"id":"78"}}""", 78UL, null)]
    [InlineData("""{}""", null, null)]
    public void An_interaction_names_its_user_from_the_member_in_a_guild_or_the_user_in_a_dm(string extra, ulong? user, ulong? guild)
    {
        using var extraDoc = JsonDocument.Parse(extra);
        var fields = extraDoc.RootElement.EnumerateObject().Select(p => $"\"{p.Name}\":{p.Value.GetRawText()}");
        var json = """{"id":"1","application_id":"2","type":2,"token":"secret","data":{"name":"join"}""" + string.Concat(fields.Select(f => "," + f)) + "}";

        var interaction = GatewayDispatchReader.ReadInteraction(4, Parse(json));

        Assert.Equal(user, interaction.UserId);
        Assert.Equal(guild, interaction.GuildId);
        Assert.Equal("join", interaction.CommandName);
        Assert.Equal((4, 1UL, 2UL, 2), (interaction.ShardId, interaction.Id, interaction.ApplicationId, interaction.Type));
        Assert.DoesNotContain("secret", interaction.ToString(), StringComparison.Ordinal);
    }

    private static JsonElement Parse(string json)
    {
        using var document = JsonDocument.Parse(json);
        return document.RootElement.Clone();
    }
}
