using System.Net;
using System.Net.Http.Json;
using AudioOrchestrator.Audio;
using AudioOrchestrator.Contracts;
using AudioOrchestrator.Ingress.Discord;
using AudioOrchestrator.Ingress.Tests.Guilds;
using AudioOrchestrator.Ingress.Tests.Support;
using AudioOrchestrator.Silo.Endpoints;
using AudioOrchestrator.Testing;
using Microsoft.Extensions.AI;

namespace AudioOrchestrator.Ingress.Tests.Discord;

/// <summary>The real service with real speech engines, joined to a fake Discord voice channel through the operator REST API.</summary>
public sealed class EspeakDiscordServiceFixture : IAsyncLifetime
{
    public const ulong Guild = 81_000_000_000_000_101;
    public const ulong Channel = 700_000_000_000_000_101;

    /// <summary>A guild configured to answer everything it hears (no wake phrase), through the per-guild override.</summary>
    public const ulong ListeningGuild = 81_000_000_000_000_102;
    public const ulong ListeningChannel = 700_000_000_000_000_102;

    public DiscordService Service { get; private set; } = null!;

    public async ValueTask InitializeAsync() => Service = await DiscordService.StartAsync(
        [Guild, ListeningGuild],
        toneEngines: false,
        new Dictionary<string, string?> { [$"WakeWord:Guilds:{ListeningGuild}:Mode"] = "AlwaysListening" });

    public async ValueTask DisposeAsync()
    {
        if (Service is not null)
        {
            await Service.DisposeAsync();
        }
    }
}

[Collection(nameof(VoiceSocketCollection))]
public sealed class DiscordEchoTests(EspeakDiscordServiceFixture fixture) : IClassFixture<EspeakDiscordServiceFixture>
{
    private const ulong Alice = 500_000_000_000_000_101;
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private DiscordService Service => fixture.Service;

    [Fact]
    public async Task Echo_hello_world_spoken_in_a_voice_channel_is_answered_in_the_channel()
    {
        // Discord sessions answer only speech addressed to the assistant (WakeWord:DiscordMode = WakeRequired).
        const ulong guild = EspeakDiscordServiceFixture.Guild;
        var joined = await VoiceUsers.JoinAsync(Service, guild, EspeakDiscordServiceFixture.Channel, Ct);
        Assert.Equal(("81000000000000101", "Connected", "700000000000000101", "discord-81000000000000101", 1),
            (joined.GuildId, joined.State, joined.ChannelId, joined.SessionId, joined.DaveProtocolVersion));
        var alice = await VoiceUsers.AddSpeakerAsync(Service, guild, EspeakDiscordServiceFixture.Channel, Alice);

        var question = WavCodec.Decode(await EspeakCli.SayAsync("hey orchestrator echo hello world", Ct));
        await VoiceUsers.SpeakAsync(alice, OpusPacketizer.Encode(question, channels: 2), Ct);
        var answer = await VoiceUsers.HearAnswerAsync(alice, TimeSpan.FromSeconds(60), TimeSpan.FromSeconds(1.5), Ct);

        var stt = Service.Services.GetRequiredService<ISpeechToTextClient>();
        using var wav = new MemoryStream(VoiceUsers.ToWav(answer));
        var heard = await stt.GetTextAsync(wav, cancellationToken: Ct);
        Assert.Equal("hello world", heard.Text);
        Assert.True(alice.DaveFramesReceived > 0, "the answer arrived DAVE-encrypted");

        var snapshot = await Service.Http.GetFromJsonAsync<SessionSnapshot>($"/api/v1/sessions/{DiscordSessions.SessionId(guild)}", Ct);
        var turn = Assert.Single(snapshot!.History);
        Assert.Equal((DiscordSessions.SpeakerId(Alice), "echo", "hello world"), (turn.SpeakerId, turn.Agent, turn.ResponseText));
        Assert.EndsWith("echo hello world", turn.Transcript, StringComparison.Ordinal);

        var guilds = await Service.Http.GetFromJsonAsync<GuildEndpoints.GuildVoiceResponse[]>("/api/v1/guilds", Ct);
        var status = Assert.Single(guilds!, g => g.GuildId == "81000000000000101");
        Assert.Equal(("Connected", 1), (status.State, status.Speakers));

        using var left = await Service.Http.DeleteAsync($"/api/v1/guilds/{guild}/voice", Ct);
        Assert.Equal(HttpStatusCode.NoContent, left.StatusCode);
        var after = await Service.Http.GetFromJsonAsync<GuildEndpoints.GuildVoiceResponse>($"/api/v1/guilds/{guild}", Ct);
        Assert.Equal(("Disconnected", null), (after!.State, after.ChannelId));

        Assert.DoesNotContain(Service.Discord.Token, Service.Logs.AllText, StringComparison.Ordinal);
        Assert.Contains(Service.Logs.Lines, l => l.Contains("voice connected to channel", StringComparison.Ordinal));
    }

    [Fact]
    public async Task In_an_always_listening_guild_plain_echo_hello_world_is_answered()
    {
        const ulong guild = EspeakDiscordServiceFixture.ListeningGuild;
        const ulong bob = 500_000_000_000_000_102;
        await VoiceUsers.JoinAsync(Service, guild, EspeakDiscordServiceFixture.ListeningChannel, Ct);
        var user = await VoiceUsers.AddSpeakerAsync(Service, guild, EspeakDiscordServiceFixture.ListeningChannel, bob);

        var question = WavCodec.Decode(await EspeakCli.SayAsync("echo hello world", Ct));
        await VoiceUsers.SpeakAsync(user, OpusPacketizer.Encode(question, channels: 2), Ct);
        var answer = await VoiceUsers.HearAnswerAsync(user, TimeSpan.FromSeconds(60), TimeSpan.FromSeconds(1.5), Ct);

        var stt = Service.Services.GetRequiredService<ISpeechToTextClient>();
        using var wav = new MemoryStream(VoiceUsers.ToWav(answer));
        var heard = await stt.GetTextAsync(wav, cancellationToken: Ct);
        Assert.Equal("hello world", heard.Text);
        var snapshot = await Service.Http.GetFromJsonAsync<SessionSnapshot>($"/api/v1/sessions/{DiscordSessions.SessionId(guild)}", Ct);
        var turn = Assert.Single(snapshot!.History);
        Assert.Equal(("echo hello world", "echo", "hello world"), (turn.Transcript, turn.Agent, turn.ResponseText));

        using var left = await Service.Http.DeleteAsync($"/api/v1/guilds/{guild}/voice", Ct);
        Assert.Equal(HttpStatusCode.NoContent, left.StatusCode);
    }

    [Theory]
    [InlineData("abc", "{\"channelId\":\"700000000000000101\"}", HttpStatusCode.BadRequest)]
    [InlineData("0", "{\"channelId\":\"700000000000000101\"}", HttpStatusCode.BadRequest)]
    [InlineData("81000000000000101", "{\"channelId\":\"-5\"}", HttpStatusCode.BadRequest)]
    [InlineData("81000000000000101", "{\"channelId\":700000000000000101}", HttpStatusCode.BadRequest)]
    [InlineData("81000000000000101", "{}", HttpStatusCode.BadRequest)]
    [InlineData("81000000000000101", "not json", HttpStatusCode.BadRequest)]
    [InlineData("18446744073709551616", "{\"channelId\":\"1\"}", HttpStatusCode.BadRequest)]
    [InlineData("12345", "{\"channelId\":\"700000000000000101\"}", HttpStatusCode.NotFound)]
    public async Task Bad_join_requests_get_a_clear_error_and_send_nothing_to_Discord(string guild, string body, HttpStatusCode expected)
    {
        var before = Service.Discord.Gateway.VoiceStateRequests.Count;
        using var content = new StringContent(body, System.Text.Encoding.UTF8, "application/json");

        using var response = await Service.Http.PostAsync($"/api/v1/guilds/{guild}/voice", content, Ct);

        Assert.Equal(expected, response.StatusCode);
        Assert.Equal(before, Service.Discord.Gateway.VoiceStateRequests.Count);
    }

    [Fact]
    public async Task Unknown_guilds_and_bad_ids_on_leave_and_status()
    {
        using var unknown = await Service.Http.DeleteAsync("/api/v1/guilds/12345/voice", Ct);
        using var bad = await Service.Http.GetAsync("/api/v1/guilds/x1", Ct);

        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Equal("application/problem+json", bad.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task The_REST_operations_are_described_in_the_OpenAPI_document()
    {
        var document = await Service.Http.GetStringAsync("/openapi/v1.json", Ct);

        Assert.Contains("/api/v1/guilds/{guildId}/voice", document, StringComparison.Ordinal);
        Assert.Contains("JoinVoiceChannel", document, StringComparison.Ordinal);
        Assert.Contains("LeaveVoiceChannel", document, StringComparison.Ordinal);
        Assert.Contains("ListGuilds", document, StringComparison.Ordinal);
    }
}
