using System.Net.Http.Json;
using AudioOrchestrator.Audio;
using AudioOrchestrator.Contracts;
using AudioOrchestrator.Discord.Guilds;
using AudioOrchestrator.Ingress.Discord;
using AudioOrchestrator.Ingress.Tests.Guilds;
using AudioOrchestrator.Ingress.Tests.Support;
using AudioOrchestrator.Testing;
using AudioOrchestrator.Testing.OpenAi;

namespace AudioOrchestrator.Ingress.Tests.Discord;

/// <summary>The service with a language model (the local fake OpenAI server) and tone speech engines, in a fake Discord.</summary>
public sealed class LlmDiscordServiceFixture : IAsyncLifetime
{
    public const ulong Guild = 81_000_000_000_000_301;
    public const ulong Channel = 700_000_000_000_000_301;

    public DiscordService Service { get; private set; } = null!;

    public FakeOpenAiServer Model { get; private set; } = null!;

    public async ValueTask InitializeAsync()
    {
        Model = await FakeOpenAiServer.StartAsync(r => r.System.StartsWith("You sort requests", StringComparison.Ordinal)
            ? FakeChatReply.Say("general")
            : new FakeChatReply { Text = "La la la. The song is over.", TokensPerSecond = 20 });
        Service = await DiscordService.StartAsync([Guild], toneEngines: true, new Dictionary<string, string?>
        {
            ["Llm:Provider"] = "OpenAI",
            ["Llm:Endpoint"] = Model.BaseUrl.ToString(),
            ["Llm:Model"] = "fake-model",
        });
    }

    public async ValueTask DisposeAsync()
    {
        if (Service is not null)
        {
            await Service.DisposeAsync();
        }

        if (Model is not null)
        {
            await Model.DisposeAsync();
        }
    }
}

[Collection(nameof(VoiceSocketCollection))]
public sealed class DiscordAssistantTests(LlmDiscordServiceFixture fixture) : IClassFixture<LlmDiscordServiceFixture>
{
    private const ulong Alice = 500_000_000_000_000_301;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private DiscordService Service => fixture.Service;

    private static IReadOnlyList<byte[]> Tone(int hz) =>
        OpusPacketizer.Encode(TestAudio.Concat(TestAudio.Tone(hz, 800, 48000), TestAudio.Silence(200, 48000)), channels: 2);

    [Fact]
    public async Task A_question_in_a_voice_channel_is_answered_by_the_model_and_asked_to_leave_the_bot_says_goodbye_and_leaves()
    {
        const ulong guild = LlmDiscordServiceFixture.Guild;
        await VoiceUsers.JoinAsync(Service, guild, LlmDiscordServiceFixture.Channel, Ct);
        var alice = await VoiceUsers.AddSpeakerAsync(Service, guild, LlmDiscordServiceFixture.Channel, Alice);

        // "sing me a song": free speech, classified by the model, answered by it, heard DAVE-encrypted.
        await VoiceUsers.SpeakAsync(alice, Tone(880), Ct);
        var song = await VoiceUsers.HearAnswerAsync(alice, TimeSpan.FromSeconds(60), TimeSpan.FromSeconds(1.5), Ct);

        // The tone voice speaks 40 ms per character: "La la la" and "The song is over" are about 48 frames.
        Assert.InRange(song.Count(f => !VoiceUsers.IsSilence(f)), 40, 60);
        Assert.True(alice.DaveFramesReceived > 0);
        var snapshot = await Service.Http.GetFromJsonAsync<SessionSnapshot>($"/api/v1/sessions/{DiscordSessions.SessionId(guild)}", Ct);
        var turn = Assert.Single(snapshot!.History);
        Assert.Equal(("conversation", "La la la. The song is over.", TurnRoute.Classifier), (turn.Agent, turn.ResponseText, turn.Route!.Reason));
        Assert.Contains(fixture.Model.Requests, r => r.LastUser == "sing me a song" && r.Messages[^1].Name == DiscordSessions.SpeakerId(Alice));

        // "leave the channel": the answer carries an action, taken once the goodbye has been played.
        var requestsBefore = Service.Discord.Gateway.VoiceStateRequests.Count;
        await VoiceUsers.SpeakAsync(alice, Tone(2400), Ct);
        var goodbye = await VoiceUsers.HearAnswerAsync(alice, TimeSpan.FromSeconds(60), TimeSpan.FromSeconds(1.5), Ct);

        Assert.InRange(goodbye.Count(f => !VoiceUsers.IsSilence(f)), 8, 20); // "Goodbye": 7 characters
        await TestWait.UntilAsync(() => Service.Voice.GetSnapshot(guild)?.State == GuildVoiceState.Disconnected, "the bot to leave the channel");
        Assert.Contains(Service.Discord.Gateway.VoiceStateRequests.Skip(requestsBefore), r => r.GuildId == guild && r.ChannelId is null);
        Assert.Contains(Service.Logs.Lines, l => l.Contains("leaving the voice channel, as asked", StringComparison.Ordinal));
    }
}
