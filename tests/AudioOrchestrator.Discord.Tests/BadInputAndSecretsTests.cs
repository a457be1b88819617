using System.Text;
using AudioOrchestrator.Discord.Gateway;
using AudioOrchestrator.Discord.Tests.Support;
using Microsoft.Extensions.Logging;

namespace AudioOrchestrator.Discord.Tests;

public sealed class BadInputAndSecretsTests
{
    [Fact]
    public async Task Malformed_json_and_unknown_opcodes_are_counted_logged_sparingly_and_dropped()
    {
        await using var h = await GatewayHarness.StartAsync();
        var connection = h.Fake.Connections[0];
        string[] bad =
        [
            "{not json",
            "[]",
            "\"op\"",
            "{\"op\":\"0\"}",
            "{\"d\":{}}",
            "{\"op\":0,\"s\":99,\"d\":{}}",
            "{\"op\":0,\"t\":\"VOICE_STATE_UPDATE\",\"s\":3,\"d\":{\"guild_id\":\"x\"}}",
            "{\"op\":10,\"d\":{\"heartbeat_interval\":\"soon\"}}",
        ];
        foreach (var text in bad)
        {
            await connection.SendTextAsync(text);
        }

        await connection.SendBinaryAsync([0x78, 0x9c, 0x00]);
        await connection.SendTextAsync("{\"op\":42,\"d\":null}");
        await connection.SendTextAsync("{\"op\":99,\"d\":{\"x\":1}}");

        // The connection survives: the next real event arrives on the same socket.
        await h.Fake.SessionForShard(0).DispatchAsync("VOICE_STATE_UPDATE", GatewaySessionTests.VoiceStateJson(41771983423143937, 5, 77));
        await h.WaitUntilAsync(() => h.VoiceStates.Any(v => v.UserId == 77), "valid event after bad input");

        Assert.Single(h.Fake.Connections);
        Assert.Equal(GatewayConnectionState.Ready, h.Client.State);
        Assert.Equal(8, h.Client.Statistics.MalformedPayloads);
        Assert.Equal(2, h.Client.Statistics.UnknownOpcodes);
        Assert.Single(h.Logs.Lines, l => l.EventId.Id == 4113);
        Assert.Single(h.Logs.Lines, l => l.EventId.Id == 4114);
    }

    [Fact]
    public async Task Interactions_are_surfaced_without_printing_their_token()
    {
        await using var h = await GatewayHarness.StartAsync();
        const string body = """
            {"id":"1200000000000000001","application_id":"900000000000000001","type":2,"token":"interaction-secret",
             "guild_id":"41771983423143937","channel_id":"41771983423143938","version":1,
             "member":{"user":{"id":"555","username":"u"},"roles":[]},
             "data":{"id":"1","name":"ask","type":1,"options":[{"name":"question","type":3,"value":"hello"}]}}
            """;
        await h.Fake.SessionForShard(0).DispatchAsync("INTERACTION_CREATE", body);
        await h.WaitUntilAsync(() => !h.Interactions.IsEmpty, "INTERACTION_CREATE");

        var interaction = Assert.Single(h.Interactions);
        Assert.Equal("ask", interaction.CommandName);
        Assert.Equal(555UL, interaction.UserId);
        Assert.Equal(41771983423143937UL, interaction.GuildId);
        Assert.Equal("interaction-secret", interaction.Token);
        Assert.Equal("hello", interaction.Data.GetProperty("options")[0].GetProperty("value").GetString());
        Assert.DoesNotContain("interaction-secret", interaction.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_bot_token_never_appears_in_the_logs()
    {
        await using var h = await GatewayHarness.StartAsync();
        var token = h.Options.Token;
        var session = h.Fake.SessionForShard(0);

        // Identify, heartbeats, a resume, an echo of the token in a malformed payload, a voice join: all logged at Trace.
        await h.WaitUntilAsync(() => h.Client.Statistics.HeartbeatAcks >= 1, "a heartbeat");
        await session.SendReconnectAsync();
        await h.WaitUntilAsync(() => !h.Resumes.IsEmpty, "Resumed");
        await h.Fake.Connections[1].SendTextAsync("{\"op\":2,\"d\":{\"token\":\"" + token + "\"} broken");
        await h.Fake.Connections[1].SendTextAsync("garbage " + token);
        await h.Client.UpdateVoiceStateAsync(41771983423143937, 9, selfMute: false, selfDeaf: false, TestContext.Current.CancellationToken);
        await h.WaitUntilAsync(() => !h.VoiceServers.IsEmpty, "VOICE_SERVER_UPDATE");
        await h.Client.StopAsync(TestContext.Current.CancellationToken);

        var all = h.Logs.AllText + "\n" + h.Options + "\n" + h.VoiceServers.First();
        Assert.Contains("\"op\":2", all, StringComparison.Ordinal);
        Assert.Contains("\"op\":6", all, StringComparison.Ordinal);
        Assert.Contains("[redacted]", all, StringComparison.Ordinal);
        Assert.Contains(h.Logs.Lines, l => l.Level == LogLevel.Trace);
        Assert.DoesNotContain(token, all, StringComparison.Ordinal);
        Assert.DoesNotContain(Convert.ToBase64String(Encoding.UTF8.GetBytes(token)), all, StringComparison.Ordinal);
    }

    [Fact]
    public void Redaction_covers_token_members_and_the_raw_token()
    {
        Assert.Equal("{\"op\":2,\"d\":{\"token\":\"[redacted]\",\"x\":1}}", GatewayPayloads.Redact("{\"op\":2,\"d\":{\"token\": \"abc\\\"def\",\"x\":1}}"));
        Assert.Equal("see [redacted] here", GatewayPayloads.Redact("see sekret.tok here", "sekret.tok"));
    }

    [Fact]
    public void Options_are_validated_and_print_no_token()
    {
        var validator = new DiscordOptionsValidator();
        Assert.True(validator.Validate(null, new DiscordOptions()).Failed);
        Assert.True(validator.Validate(null, new DiscordOptions { Token = "a b" }).Failed);
        Assert.True(validator.Validate(null, new DiscordOptions { Token = "t", ShardCount = 0 }).Failed);
        Assert.True(validator.Validate(null, new DiscordOptions { Token = "t", SendReserve = 120 }).Failed);
        Assert.True(validator.Validate(null, new DiscordOptions { Token = "t", ReconnectMaxDelay = TimeSpan.FromMilliseconds(1) }).Failed);
        Assert.True(validator.Validate(null, new DiscordOptions { Token = "t" }).Succeeded);
        Assert.DoesNotContain("very-secret", new DiscordOptions { Token = "very-secret" }.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Close_codes_are_classified_as_the_documentation_says()
    {
        foreach (var code in new int?[] { null, 1000, 1001, 1006, 4000, 4001, 4002, 4005, 4008 })
        {
            Assert.Equal(GatewayCloseAction.Resume, GatewayCloseCodes.Classify(code));
        }

        foreach (var code in new[] { 4003, 4007, 4009 })
        {
            Assert.Equal(GatewayCloseAction.Reidentify, GatewayCloseCodes.Classify(code));
        }

        foreach (var code in new[] { 4004, 4010, 4011, 4012, 4013, 4014 })
        {
            Assert.Equal(GatewayCloseAction.Fatal, GatewayCloseCodes.Classify(code));
        }
    }

    [Fact]
    public void Payloads_have_the_documented_shapes()
    {
        Assert.Equal("{\"op\":1,\"d\":null}", Encoding.UTF8.GetString(GatewayPayloads.Heartbeat(null)));
        Assert.Equal("{\"op\":1,\"d\":251}", Encoding.UTF8.GetString(GatewayPayloads.Heartbeat(251)));
        Assert.Equal(
            "{\"op\":6,\"d\":{\"token\":\"t\",\"session_id\":\"s\",\"seq\":1337}}",
            Encoding.UTF8.GetString(GatewayPayloads.Resume("t", "s", 1337)));
        Assert.Equal(
            "{\"op\":4,\"d\":{\"guild_id\":\"41771983423143937\",\"channel_id\":null,\"self_mute\":false,\"self_deaf\":true}}",
            Encoding.UTF8.GetString(GatewayPayloads.VoiceStateUpdate(41771983423143937, null, false, true)));
        Assert.Equal(
            "wss://gateway.discord.gg/?v=10&encoding=json",
            DiscordGatewayClient.WithGatewayQuery(new Uri("wss://gateway.discord.gg")).ToString());
    }
}
