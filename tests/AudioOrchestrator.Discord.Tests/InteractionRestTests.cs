using System.Net;
using System.Text.Json;
using AudioOrchestrator.Discord.Fakes;
using AudioOrchestrator.Discord.Rest;
using AudioOrchestrator.Discord.Tests.Support;
using Microsoft.Extensions.Options;

namespace AudioOrchestrator.Discord.Tests;

/// <summary>The slash-command REST client against the fake Discord over real sockets.</summary>
public sealed class InteractionRestTests : IAsyncLifetime
{
    private static readonly ApplicationCommandDefinition[] Commands =
    [
        new("ask", "Ask the assistant", [new ApplicationCommandOptionDefinition(ApplicationCommandOptionType.String, "question", "Your question", true, MaxLength: 500)]),
        new("join", "Join a voice channel", [new ApplicationCommandOptionDefinition(ApplicationCommandOptionType.Channel, "channel", "Voice channel", false, [DiscordChannelType.GuildVoice, DiscordChannelType.GuildStageVoice])]),
    ];

    private readonly CapturingLoggerProvider _logs = new();
    private FakeDiscordServer _fake = null!;
    private HttpClient _http = null!;

    private ulong AppId => _fake.Options.ApplicationId;

    public async ValueTask InitializeAsync()
    {
        _fake = await FakeDiscordServer.StartAsync(GatewayHarness.FakeOptions());
        _http = new HttpClient();
    }

    public async ValueTask DisposeAsync()
    {
        _http.Dispose();
        await _fake.DisposeAsync();
    }

    [Fact]
    public async Task Bulk_overwrite_registers_global_and_guild_commands_idempotently()
    {
        var client = Client();
        Assert.Equal(AppId, await client.GetApplicationIdAsync(CancellationToken.None));

        var first = await client.OverwriteGlobalCommandsAsync(AppId, Commands, CancellationToken.None);
        var second = await client.OverwriteGlobalCommandsAsync(AppId, Commands, CancellationToken.None);
        var guild = await client.OverwriteGuildCommandsAsync(AppId, 41771983423143937, Commands, CancellationToken.None);

        Assert.Equal(["ask", "join"], first.Select(c => c.Name));
        Assert.Equal(["ask", "join"], second.Select(c => c.Name));
        Assert.Equal(["ask", "join"], guild.Select(c => c.Name));
        using var stored = JsonDocument.Parse(_fake.Rest.GlobalCommands!);
        Assert.Equal(2, stored.RootElement.GetArrayLength());
        var join = stored.RootElement[1];
        Assert.Equal(1, join.GetProperty("type").GetInt32());
        Assert.Equal([0], join.GetProperty("contexts").EnumerateArray().Select(e => e.GetInt32()));
        var channel = join.GetProperty("options")[0];
        Assert.Equal(7, channel.GetProperty("type").GetInt32());
        Assert.False(channel.GetProperty("required").GetBoolean());
        Assert.Equal([2, 13], channel.GetProperty("channel_types").EnumerateArray().Select(e => e.GetInt32()));
        Assert.True(_fake.Rest.GuildCommands.ContainsKey(41771983423143937));
        Assert.All(_fake.Rest.Requests, r => Assert.True(r.BotAuthorized));
    }

    [Fact]
    public async Task Invalid_command_definitions_are_refused_with_discords_error_code()
    {
        var client = Client();
        ApplicationCommandDefinition[] bad = [new("Ask Me", "upper case and a space", [])];

        var error = await Assert.ThrowsAsync<DiscordRestException>(() => client.OverwriteGlobalCommandsAsync(AppId, bad, CancellationToken.None));

        Assert.Equal(HttpStatusCode.BadRequest, error.Status);
        Assert.Equal(50035, error.ErrorCode);
        Assert.Null(_fake.Rest.GlobalCommands);
    }

    [Fact]
    public async Task A_wrong_bot_token_gets_401_and_the_token_is_in_no_message_or_log()
    {
        const string wrongToken = "wrong-token.SECRET-VALUE";
        var client = Client(o => o.Token = wrongToken);

        var error = await Assert.ThrowsAsync<DiscordRestException>(() => client.OverwriteGlobalCommandsAsync(AppId, Commands, CancellationToken.None));

        Assert.Equal(HttpStatusCode.Unauthorized, error.Status);
        Assert.DoesNotContain(wrongToken, error.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain(wrongToken, _logs.AllText, StringComparison.Ordinal);
        Assert.False(Assert.Single(_fake.Rest.Requests).BotAuthorized);
    }

    [Fact]
    public async Task Deferred_response_then_edit_original_and_the_token_answers_one_callback_only()
    {
        var client = Client();
        var interaction = _fake.Rest.CreateInteraction(41771983423143937, 41771983423143938);

        await client.RespondAsync(interaction.Id, interaction.Token, InteractionCallbackType.DeferredChannelMessageWithSource, null, CancellationToken.None);
        var edited = await client.EditOriginalResponseAsync(AppId, interaction.Token, "hello world", CancellationToken.None);
        var again = await Assert.ThrowsAsync<DiscordRestException>(() =>
            client.RespondAsync(interaction.Id, interaction.Token, InteractionCallbackType.ChannelMessageWithSource, new DiscordMessageContent("late"), CancellationToken.None));

        Assert.Equal(5, interaction.CallbackType);
        Assert.Equal("hello world", interaction.OriginalContent);
        Assert.Equal("hello world", edited.Content);
        Assert.Equal(interaction.ChannelId, edited.ChannelId);
        Assert.Equal(HttpStatusCode.BadRequest, again.Status);
        Assert.Equal(40060, again.ErrorCode);
        Assert.All(_fake.Rest.Requests, r => Assert.False(r.BotAuthorized)); // interaction routes are authorised by their token
        Assert.DoesNotContain(interaction.Token, _logs.AllText, StringComparison.Ordinal);
        Assert.DoesNotContain(interaction.Token, again.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Ephemeral_message_response_followup_and_delete_original()
    {
        var client = Client();
        var first = _fake.Rest.CreateInteraction(41771983423143937, 41771983423143938);
        var second = _fake.Rest.CreateInteraction(41771983423143937, 41771983423143938);

        await client.RespondAsync(first.Id, first.Token, InteractionCallbackType.ChannelMessageWithSource, new DiscordMessageContent("only you", Ephemeral: true), CancellationToken.None);
        await client.RespondAsync(second.Id, second.Token, InteractionCallbackType.DeferredChannelMessageWithSource, null, CancellationToken.None);
        await client.DeleteOriginalResponseAsync(AppId, second.Token, CancellationToken.None);
        await client.CreateFollowupAsync(AppId, second.Token, new DiscordMessageContent("it failed", Ephemeral: true), CancellationToken.None);

        Assert.Equal(4, first.CallbackType);
        Assert.Equal(64, first.CallbackFlags);
        Assert.Equal("only you", first.OriginalContent);
        Assert.True(second.OriginalDeleted);
        Assert.Equal(("it failed", 64), Assert.Single(second.Followups));
    }

    [Fact]
    public async Task Unknown_interaction_unknown_webhook_and_unanswered_original_are_404()
    {
        var client = Client();
        var interaction = _fake.Rest.CreateInteraction(41771983423143937, 41771983423143938);

        var unknown = await Assert.ThrowsAsync<DiscordRestException>(() =>
            client.RespondAsync(interaction.Id + 1, interaction.Token, InteractionCallbackType.DeferredChannelMessageWithSource, null, CancellationToken.None));
        var unknownWebhook = await Assert.ThrowsAsync<DiscordRestException>(() => client.EditOriginalResponseAsync(AppId, "no-such-token", "x", CancellationToken.None));
        var notAnswered = await Assert.ThrowsAsync<DiscordRestException>(() => client.EditOriginalResponseAsync(AppId, interaction.Token, "x", CancellationToken.None));

        Assert.Equal((HttpStatusCode.NotFound, 10062), (unknown.Status!.Value, unknown.ErrorCode!.Value));
        Assert.Equal((HttpStatusCode.NotFound, 10015), (unknownWebhook.Status!.Value, unknownWebhook.ErrorCode!.Value));
        Assert.Equal((HttpStatusCode.NotFound, 10008), (notAnswered.Status!.Value, notAnswered.ErrorCode!.Value));
    }

    [Fact]
    public async Task Create_message_posts_text_cut_to_2000_characters()
    {
        var client = Client();

        var message = await client.CreateMessageAsync(41771983423143938, new string('a', 2500), CancellationToken.None);

        var posted = Assert.Single(_fake.Rest.ChannelMessages);
        Assert.Equal(41771983423143938UL, posted.ChannelId);
        Assert.Equal(2000, posted.Content.Length);
        Assert.EndsWith("…", posted.Content, StringComparison.Ordinal);
        Assert.Equal(posted.Id, message.Id);
        using var body = JsonDocument.Parse(_fake.Rest.Requests[0].Body);
        Assert.Equal(0, body.RootElement.GetProperty("allowed_mentions").GetProperty("parse").GetArrayLength());
    }

    [Fact]
    public async Task A_429_is_retried_after_retry_after()
    {
        var client = Client();
        _fake.Rest.RateLimitNext(2, retryAfterSeconds: 0.05);

        await client.CreateMessageAsync(41771983423143938, "after the limit", CancellationToken.None);

        Assert.Equal([429, 429, 200], _fake.Rest.Requests.Select(r => r.Status));
        Assert.Equal("after the limit", Assert.Single(_fake.Rest.ChannelMessages).Content);
        Assert.Equal(2, _logs.Lines.Count(l => l.EventId.Id == 4702));
    }

    [Fact]
    public async Task A_retry_after_over_the_cap_or_too_many_429s_fail_with_a_clear_error()
    {
        var client = Client(rest: o =>
        {
            o.MaxRetryAfter = TimeSpan.FromSeconds(1);
            o.MaxRateLimitRetries = 1;
        });
        _fake.Rest.RateLimitNext(1, retryAfterSeconds: 30, global: true);
        var tooLong = await Assert.ThrowsAsync<DiscordRestException>(() => client.CreateMessageAsync(41771983423143938, "x", CancellationToken.None));

        Assert.Equal(HttpStatusCode.TooManyRequests, tooLong.Status);
        Assert.Contains("retry after 30", tooLong.Message, StringComparison.Ordinal);
        Assert.Single(_fake.Rest.Requests); // no retry: 30 s is over the 1 s cap

        var client2 = Client(rest: o => o.MaxRateLimitRetries = 1);
        _fake.Rest.RateLimitNext(2, retryAfterSeconds: 0.01);
        var exhausted = await Assert.ThrowsAsync<DiscordRestException>(() => client2.CreateMessageAsync(41771983423143938, "x", CancellationToken.None));
        Assert.Equal(HttpStatusCode.TooManyRequests, exhausted.Status);
        Assert.Empty(_fake.Rest.ChannelMessages);
    }

    [Fact]
    public async Task A_slow_answer_times_out_and_cancellation_is_honoured()
    {
        var client = Client(rest: o => o.RequestTimeout = TimeSpan.FromMilliseconds(200));
        _fake.Rest.ResponseDelay = TimeSpan.FromSeconds(10);

        var timedOut = await Assert.ThrowsAsync<DiscordRestException>(() => client.CreateMessageAsync(41771983423143938, "x", CancellationToken.None));
        using var cancelled = new CancellationTokenSource();
        var pending = client.CreateMessageAsync(41771983423143938, "x", cancelled.Token);
        await cancelled.CancelAsync();

        Assert.IsType<TimeoutException>(timedOut.InnerException);
        Assert.Contains("timed out", timedOut.Message, StringComparison.Ordinal);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => pending);
    }

    [Fact]
    public async Task Malformed_json_and_unknown_callback_types_get_400_from_the_fake()
    {
        var interaction = _fake.Rest.CreateInteraction(41771983423143937, 41771983423143938);
        var url = new Uri(_fake.ApiBaseUrl, $"interactions/{interaction.Id}/{interaction.Token}/callback");

        using var malformed = await _http.PostAsync(url, new StringContent("{\"type\": 4, \"data\": ", System.Text.Encoding.UTF8, "application/json"), TestContext.Current.CancellationToken);
        using var unknownType = await _http.PostAsync(url, new StringContent("{\"type\": 42}", System.Text.Encoding.UTF8, "application/json"), TestContext.Current.CancellationToken);
        using var pong = await _http.PostAsync(url, new StringContent("{\"type\": 1}", System.Text.Encoding.UTF8, "application/json"), TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.BadRequest, malformed.StatusCode);
        Assert.Contains("50109", await malformed.Content.ReadAsStringAsync(TestContext.Current.CancellationToken), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadRequest, unknownType.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, pong.StatusCode);
        Assert.Null(interaction.CallbackType); // still answerable
    }

    [Fact]
    public void Invalid_rest_options_are_refused()
    {
        var error = Assert.Throws<OptionsValidationException>(() => Client(rest: o => o.RequestTimeout = TimeSpan.Zero));
        Assert.Contains("RequestTimeout", error.Message, StringComparison.Ordinal);
    }

    private DiscordInteractionRestClient Client(Action<DiscordOptions>? discord = null, Action<DiscordRestOptions>? rest = null)
    {
        var options = GatewayHarness.ClientOptions(_fake);
        discord?.Invoke(options);
        var restOptions = new DiscordRestOptions();
        rest?.Invoke(restOptions);
        return new DiscordInteractionRestClient(_http, Options.Create(options), Options.Create(restOptions), _logs.For<DiscordInteractionRestClient>());
    }
}
