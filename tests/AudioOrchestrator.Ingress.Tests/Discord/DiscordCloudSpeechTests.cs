using System.Net.Http.Json;
using AudioOrchestrator.Audio;
using AudioOrchestrator.Contracts;
using AudioOrchestrator.Ingress.Discord;
using AudioOrchestrator.Ingress.Tests.Guilds;
using AudioOrchestrator.Ingress.Tests.Support;
using AudioOrchestrator.Testing;
using AudioOrchestrator.Testing.OpenAi;

namespace AudioOrchestrator.Ingress.Tests.Discord;

/// <summary>The real service with cloud speech (the fake OpenAI server) in a fake Discord voice channel.</summary>
public sealed class CloudSpeechDiscordServiceFixture : IAsyncLifetime
{
    public const ulong Guild = 81_000_000_000_000_301;
    public const ulong Channel = 700_000_000_000_000_301;

    public FakeOpenAiServer Server { get; private set; } = null!;

    public DiscordService Service { get; private set; } = null!;

    public async ValueTask InitializeAsync()
    {
        Server = await FakeOpenAiServer.StartAsync();
        Service = await DiscordService.StartAsync(
            [Guild],
            toneEngines: false,
            new Dictionary<string, string?>
            {
                ["Speech:SpeechToText"] = "OpenAI",
                ["Speech:TextToSpeech"] = "OpenAI",
                ["Speech:OpenAI:Endpoint"] = Server.BaseUrl.ToString(),
            },
            cloudSpeech: true);
    }

    public async ValueTask DisposeAsync()
    {
        if (Service is not null)
        {
            await Service.DisposeAsync();
        }

        if (Server is not null)
        {
            await Server.DisposeAsync();
        }
    }
}

[Collection(nameof(VoiceSocketCollection))]
public sealed class DiscordCloudSpeechTests(CloudSpeechDiscordServiceFixture fixture) : IClassFixture<CloudSpeechDiscordServiceFixture>
{
    private const ulong Alice = 500_000_000_000_000_301;
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_speaker_is_heard_by_the_cloud_and_answered_with_the_cloud_voices_opus_packets_as_they_came()
    {
        var service = fixture.Service;
        const ulong guild = CloudSpeechDiscordServiceFixture.Guild;
        fixture.Server.Transcribe = _ => FakeAudioReply.Transcribed("hey orchestrator echo the quick brown fox");
        await VoiceUsers.JoinAsync(service, guild, CloudSpeechDiscordServiceFixture.Channel, Ct);
        var alice = await VoiceUsers.AddSpeakerAsync(service, guild, CloudSpeechDiscordServiceFixture.Channel, Alice);

        // The wake phrase is spotted acoustically (pocketsphinx) and confirmed on the cloud's transcript.
        var question = WavCodec.Decode(await EspeakCli.SayAsync("hey orchestrator echo hello world", Ct));
        await VoiceUsers.SpeakAsync(alice, OpusPacketizer.Encode(question, channels: 2), Ct);
        var answer = await VoiceUsers.HearAnswerAsync(alice, TimeSpan.FromSeconds(60), TimeSpan.FromSeconds(1.5), Ct);

        var transcription = Assert.Single(fixture.Server.Transcriptions);
        Assert.Equal(16_000, WavCodec.Decode(transcription.Audio).SampleRate);
        var speech = Assert.Single(fixture.Server.Speeches);
        Assert.Equal(("the quick brown fox", "opus"), (speech.Input, speech.ResponseFormat));

        // What Alice decrypted from the channel is the server's Opus, packet for packet.
        var served = OpusPacketizer.Encode(ToneTextToSpeech.Speak("the quick brown fox").ResampleTo(FakeOpenAiServer.PcmSampleRate)).Select(Convert.ToHexString).ToList();
        var heard = answer.Where(f => !VoiceUsers.IsSilence(f)).Select(Convert.ToHexString).ToList();
        Assert.Equal(served, heard);
        Assert.True(alice.DaveFramesReceived > 0, "the answer arrived DAVE-encrypted");

        var snapshot = await service.Http.GetFromJsonAsync<SessionSnapshot>($"/api/v1/sessions/{DiscordSessions.SessionId(guild)}", Ct);
        var turn = Assert.Single(snapshot!.History);
        Assert.Equal(("echo", "the quick brown fox"), (turn.Agent, turn.ResponseText));
    }
}
