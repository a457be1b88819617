using System.Text.Json;
using AudioOrchestrator.Contracts;
using AudioOrchestrator.Discord.Fakes;
using AudioOrchestrator.Ingress.Discord;
using AudioOrchestrator.Ingress.Discord.Commands;
using AudioOrchestrator.Ingress.Streams;
using AudioOrchestrator.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace AudioOrchestrator.Grains.Tests;

/// <summary>
/// Slash commands end to end: INTERACTION_CREATE from the fake gateway, the handler, the Orleans session, and the
/// answer through the fake REST API (deferred response, edited original, ephemeral errors).
/// </summary>
public sealed class SlashCommandTests(PipelineCluster cluster) : IClassFixture<PipelineCluster>
{
    private const string Question = """[{"name":"question","type":3,"value":"echo hello world"}]""";

    [Fact]
    public async Task Ask_when_not_in_voice_is_deferred_then_answered_in_text_by_the_agent()
    {
        await using var h = await SlashCommandHarness.StartAsync(cluster);
        await DeleteSessionAsync();

        var interaction = await h.CommandAsync("ask", Question);
        await h.WaitForAnswerAsync(interaction);

        Assert.Equal(5, interaction.CallbackType);
        Assert.Equal(0, interaction.CallbackFlags);
        Assert.Equal("hello world", interaction.OriginalContent);
        Assert.Empty(interaction.Followups);
        var snapshot = await cluster.Client.GetGrain<IConversationGrain>(DiscordSessions.SessionId(SlashCommandHarness.GuildId)).GetSnapshotAsync();
        var turn = Assert.Single(snapshot!.History);
        Assert.Equal(("555", "echo hello world", "echo", "hello world"), (turn.SpeakerId, turn.Transcript, turn.Agent, turn.ResponseText));
        Assert.Equal(1, h.Statistics.Answered);
        Assert.Empty(h.Voice.Joins);
    }

    [Fact]
    public async Task Join_uses_the_channel_option_or_the_users_voice_channel_and_leave_leaves()
    {
        await using var h = await SlashCommandHarness.StartAsync(cluster);

        var named = await h.CommandAsync("join", """[{"name":"channel","type":7,"value":"81384788765712399"}]""", resolvedJson: """{"channels":{"81384788765712399":{"id":"81384788765712399","type":2,"name":"Lounge"}}}""");
        await h.WaitForAnswerAsync(named);
        var own = await h.CommandAsync("join");
        await h.WaitForAnswerAsync(own);
        var leave = await h.CommandAsync("leave");
        await h.WaitForAnswerAsync(leave);

        Assert.Equal([(SlashCommandHarness.GuildId, 81384788765712399UL), (SlashCommandHarness.GuildId, SlashCommandHarness.VoiceChannelId)], h.Voice.Joins);
        Assert.Equal("Joined <#81384788765712399>. Talk to me there, or use /ask. End-to-end encryption (DAVE): on.", named.OriginalContent);
        Assert.StartsWith($"Joined <#{SlashCommandHarness.VoiceChannelId}>.", own.OriginalContent, StringComparison.Ordinal);
        Assert.Equal("Left the voice channel.", leave.OriginalContent);
        Assert.Equal([SlashCommandHarness.GuildId], h.Voice.Leaves);
        Assert.Equal(3, h.Statistics.Answered);
    }

    [Fact]
    public async Task Join_without_a_channel_when_the_user_is_not_in_voice_is_an_ephemeral_error()
    {
        await using var h = await SlashCommandHarness.StartAsync(cluster);

        var interaction = await h.CommandAsync("join", user: SlashCommandHarness.UserNotInVoice);
        await h.WaitForAnswerAsync(interaction);
        var textChannel = await h.CommandAsync("join", """[{"name":"channel","type":7,"value":"81384788765712391"}]""", resolvedJson: """{"channels":{"81384788765712391":{"id":"81384788765712391","type":0}}}""");
        await h.WaitForAnswerAsync(textChannel);

        Assert.Equal((4, 64), (interaction.CallbackType!.Value, interaction.CallbackFlags));
        Assert.StartsWith("Join a voice channel first", interaction.OriginalContent, StringComparison.Ordinal);
        Assert.Equal((4, 64), (textChannel.CallbackType!.Value, textChannel.CallbackFlags));
        Assert.Contains("is not a voice channel", textChannel.OriginalContent, StringComparison.Ordinal);
        Assert.Empty(h.Voice.Joins);
        Assert.Equal(2, h.Statistics.Rejected);
    }

    [Fact]
    public async Task A_join_that_fails_after_the_deferral_becomes_an_ephemeral_followup()
    {
        await using var h = await SlashCommandHarness.StartAsync(cluster);
        h.Voice.FailJoinWith = "Missing the Connect permission in that channel.";

        var interaction = await h.CommandAsync("join");
        await h.WaitForAnswerAsync(interaction);

        Assert.Equal(5, interaction.CallbackType);
        Assert.True(interaction.OriginalDeleted);
        Assert.Equal(("Missing the Connect permission in that channel.", 64), Assert.Single(interaction.Followups));
        Assert.Equal(1, h.Statistics.Failed);
    }

    [Fact]
    public async Task Status_shows_voice_state_speakers_dave_and_the_sessions_turns()
    {
        await using var h = await SlashCommandHarness.StartAsync(cluster);
        await DeleteSessionAsync();
        var ask = await h.CommandAsync("ask", Question);
        await h.WaitForAnswerAsync(ask);
        var join = await h.CommandAsync("join");
        await h.WaitForAnswerAsync(join);

        var status = await h.CommandAsync("status");
        await h.WaitForAnswerAsync(status);

        Assert.Equal(5, status.CallbackType);
        Assert.Matches(
            $@"^Voice: Connected in <#{SlashCommandHarness.VoiceChannelId}> since <t:\d+:R> \(shard 0\)\. Speakers heard: 1\. End-to-end encryption \(DAVE\): on\.\nSession discord-{SlashCommandHarness.GuildId}: 1 turns recorded\.$",
            status.OriginalContent);
    }

    [Fact]
    public async Task Bad_input_gets_ephemeral_errors_is_counted_and_the_next_command_still_works()
    {
        await using var h = await SlashCommandHarness.StartAsync(cluster);

        var unknown = await h.CommandAsync("dance");
        var missing = await h.CommandAsync("ask");
        var blank = await h.CommandAsync("ask", """[{"name":"question","type":3,"value":"   "}]""");
        var wrongType = await h.CommandAsync("ask", """[{"name":"question","type":3,"value":42}]""");
        var notArray = await h.CommandAsync("ask", """{"name":"question"}""");
        await h.Fake.Rest.DispatchRawInteractionAsync(SlashCommandHarness.GuildId, """{"id":"1","type":2,"application_id":"2","data":{"name":"ask"}}"""); // no token: dropped by the gateway
        var dm = h.Fake.Rest.CreateInteraction(null, 9);
        await h.Fake.Rest.DispatchRawInteractionAsync(SlashCommandHarness.GuildId, $$$"""{"id":"{{{dm.Id}}}","type":2,"application_id":"{{{dm.ApplicationId}}}","token":"{{{dm.Token}}}","channel_id":"9","user":{"id":"555"},"data":{"name":"ask","type":1}}""");
        var component = h.Fake.Rest.CreateInteraction(SlashCommandHarness.GuildId, 9);
        await h.Fake.Rest.DispatchRawInteractionAsync(SlashCommandHarness.GuildId, $$$"""{"id":"{{{component.Id}}}","type":3,"application_id":"{{{component.ApplicationId}}}","token":"{{{component.Token}}}","guild_id":"{{{SlashCommandHarness.GuildId}}}","member":{"user":{"id":"555"}},"data":{"custom_id":"x","component_type":2}}""");
        FakeInteraction[] rejected = [unknown, missing, blank, wrongType, notArray, dm, component];
        foreach (var interaction in rejected)
        {
            await h.WaitForAnswerAsync(interaction);
        }

        var ok = await h.CommandAsync("ask", Question);
        await h.WaitForAnswerAsync(ok);

        Assert.All(rejected, i => Assert.Equal((4, 64), (i.CallbackType!.Value, i.CallbackFlags)));
        Assert.Equal("Unknown command /dance. Try /join, /leave, /ask or /status.", unknown.OriginalContent);
        Assert.StartsWith("The question is missing", missing.OriginalContent, StringComparison.Ordinal);
        Assert.StartsWith("The question is missing", blank.OriginalContent, StringComparison.Ordinal);
        Assert.Equal("The command's options are malformed.", wrongType.OriginalContent);
        Assert.Equal("The command's options are malformed.", notArray.OriginalContent);
        Assert.StartsWith("Use this command in a server", dm.OriginalContent, StringComparison.Ordinal);
        Assert.Equal("hello world", ok.OriginalContent);
        Assert.Equal(7, h.Statistics.Rejected);
        Assert.Equal(1, h.Statistics.Answered);
        Assert.Equal(1, h.Shards.Shards[0].Statistics.MalformedPayloads);
    }

    [Fact]
    public async Task Commands_are_registered_globally_at_start_idempotently()
    {
        await using var h = await SlashCommandHarness.StartAsync(cluster);
        await h.Service.Registration;
        var again = await h.Service.RegisterOnceAsync(CancellationToken.None);

        using var commands = JsonDocument.Parse(h.Fake.Rest.GlobalCommands!);
        Assert.Equal(["join", "leave", "ask", "status"], commands.RootElement.EnumerateArray().Select(c => c.GetProperty("name").GetString()));
        Assert.Equal(["join", "leave", "ask", "status"], h.Service.Registered.Select(c => c.Name));
        Assert.Equal(["join", "leave", "ask", "status"], again.Select(c => c.Name));
        var ask = commands.RootElement[2].GetProperty("options")[0];
        Assert.Equal((3, true), (ask.GetProperty("type").GetInt32(), ask.GetProperty("required").GetBoolean()));
        Assert.Empty(h.Fake.Rest.GuildCommands);
        Assert.Contains(h.Fake.Rest.Requests, r => r.Path == "/api/v10/applications/@me");
    }

    [Fact]
    public async Task Commands_go_to_the_configured_guilds_for_development()
    {
        await using var h = await SlashCommandHarness.StartAsync(cluster, new Dictionary<string, string?>
        {
            ["Discord:CommandGuildIds:0"] = "81384788765712384",
            ["Discord:ApplicationId"] = "900000000000000001",
        });
        await h.Service.Registration;

        Assert.Null(h.Fake.Rest.GlobalCommands);
        Assert.Equal([81384788765712384UL], h.Fake.Rest.GuildCommands.Keys);
        Assert.DoesNotContain(h.Fake.Rest.Requests, r => r.Path == "/api/v10/applications/@me");
    }

    [Fact]
    public async Task A_refused_registration_is_logged_once_without_retrying_and_commands_still_work()
    {
        await using var h = await SlashCommandHarness.StartAsync(cluster, new Dictionary<string, string?> { ["Discord:ApplicationId"] = "123" });
        await h.Service.Registration;
        var ask = await h.CommandAsync("ask", Question);
        await h.WaitForAnswerAsync(ask);

        Assert.Empty(h.Service.Registered);
        Assert.Equal(403, Assert.Single(h.Fake.Rest.Requests, r => r.Method == "PUT").Status);
        Assert.Contains("Registering the slash commands failed (attempt 1 of 5)", h.Logs.AllText, StringComparison.Ordinal);
        Assert.Contains("(code 50001): Missing Access", h.Logs.AllText, StringComparison.Ordinal);
        Assert.Equal("hello world", ask.OriginalContent);
    }

    [Fact]
    public async Task When_Discord_refuses_the_answer_the_interaction_is_counted_unanswerable_and_later_ones_work()
    {
        await using var h = await SlashCommandHarness.StartAsync(cluster, new Dictionary<string, string?> { ["Discord:RegisterCommands"] = "false" });
        h.Fake.Rest.RateLimitNext(1, retryAfterSeconds: 60); // over Discord:Rest:MaxRetryAfter: given up at once

        var refused = await h.CommandAsync("status");
        await TestWait.UntilAsync(() => h.Statistics.Unanswerable == 1, "the refused answer to be counted");
        var next = await h.CommandAsync("status");
        await h.WaitForAnswerAsync(next);

        Assert.Null(refused.CallbackType);
        Assert.StartsWith("Voice: Disconnected", next.OriginalContent, StringComparison.Ordinal);
        Assert.Contains("could not be answered on Discord", h.Logs.AllText, StringComparison.Ordinal);
        Assert.Null(h.Fake.Rest.GlobalCommands);
    }

    [Fact]
    public void Invalid_command_options_are_refused_naming_the_key()
    {
        var options = new DiscordCommandOptions { AskTimeout = TimeSpan.Zero, ApplicationId = 0, RegistrationAttempts = 0 };
        options.FallbackTextChannels["general"] = 5;
        options.CommandGuildIds.Add(0);

        var result = new DiscordCommandOptionsValidator().Validate(null, options);

        Assert.True(result.Failed);
        Assert.Equal(
            ["Discord:ApplicationId", "Discord:CommandGuildIds", "Discord:FallbackTextChannels:general", "Discord:AskTimeout", "Discord:RegistrationAttempts"],
            result.Failures!.Select(f => f[..f.IndexOf(' ', StringComparison.Ordinal)]));
        Assert.True(new DiscordCommandOptionsValidator().Validate(null, new DiscordCommandOptions()).Succeeded);
    }

    [Fact]
    public async Task Text_fallback_posts_to_the_last_command_channel_else_the_configured_one()
    {
        await using var h = await SlashCommandHarness.StartAsync(cluster, new Dictionary<string, string?>
        {
            ["Discord:FallbackTextChannels:81384788765712384"] = "81384788765712500",
        });

        await h.TextFallback.PostAsync(SlashCommandHarness.GuildId, "first answer", CancellationToken.None);
        var status = await h.CommandAsync("status");
        await h.WaitForAnswerAsync(status);
        await h.TextFallback.PostAsync(SlashCommandHarness.GuildId, "second answer", CancellationToken.None);
        await h.TextFallback.PostAsync(123, "nowhere to go", CancellationToken.None);

        Assert.Equal(
            [(81384788765712500UL, "first answer"), (SlashCommandHarness.TextChannelId, "second answer")],
            h.Fake.Rest.ChannelMessages.Select(m => (m.ChannelId, m.Content)));
        Assert.Equal(2, h.Statistics.FallbackPosted);
        Assert.Equal(1, h.Statistics.FallbackFailures);
    }

    [Fact]
    public async Task An_unplayable_answer_that_is_already_the_reply_to_ask_is_not_posted_again()
    {
        await using var h = await SlashCommandHarness.StartAsync(cluster);
        var hub = cluster.ClientServices.GetRequiredService<SessionOutputHub>();
        // As the voice transport's player does with no output: every answer completed goes to the text fallback, and
        // this listener is ahead of the /ask's own on the session stream.
        await using var player = await hub.ListenAsync(
            DiscordSessions.SessionId(SlashCommandHarness.GuildId),
            e => e is AnswerCompleted completed ? h.TextFallback.PostAsync(SlashCommandHarness.GuildId, completed.ResponseText, CancellationToken.None) : Task.CompletedTask,
            CancellationToken.None);

        var ask = await h.CommandAsync("ask", Question);
        await h.WaitForAnswerAsync(ask);
        await TestWait.UntilAsync(() => h.Statistics.FallbackSkipped == 1, "the fallback to skip the /ask answer");
        await h.TextFallback.PostAsync(SlashCommandHarness.GuildId, "a different answer", CancellationToken.None);
        await TestWait.UntilAsync(() => h.Statistics.FallbackPosted == 1, "the other answer to be posted");

        Assert.Equal("hello world", ask.OriginalContent);
        Assert.Equal([(SlashCommandHarness.TextChannelId, "a different answer")], h.Fake.Rest.ChannelMessages.Select(m => (m.ChannelId, m.Content)));
    }

    [Fact]
    public async Task Neither_the_bot_token_nor_interaction_tokens_appear_in_the_logs()
    {
        await using var h = await SlashCommandHarness.StartAsync(cluster);
        h.Voice.FailJoinWith = "no";
        var ask = await h.CommandAsync("ask", Question);
        var join = await h.CommandAsync("join");
        var unknown = await h.CommandAsync("nope");
        foreach (var interaction in new[] { ask, join, unknown })
        {
            await h.WaitForAnswerAsync(interaction);
        }

        await h.Service.Registration;
        await h.TextFallback.PostAsync(SlashCommandHarness.GuildId, "posted", CancellationToken.None);

        var logs = h.Logs.AllText;
        Assert.Contains("/ask in guild", logs, StringComparison.Ordinal); // the capture works
        Assert.DoesNotContain(h.Fake.Options.Token, logs, StringComparison.Ordinal);
        Assert.All(new[] { ask, join, unknown }, i => Assert.DoesNotContain(i.Token, logs, StringComparison.Ordinal));
    }

    private Task DeleteSessionAsync() => cluster.Client.GetGrain<IConversationGrain>(DiscordSessions.SessionId(SlashCommandHarness.GuildId)).DeleteAsync();
}
