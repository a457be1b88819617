using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using AudioOrchestrator.Audio;
using AudioOrchestrator.Contracts;
using AudioOrchestrator.Ingress.Streams;
using AudioOrchestrator.Ingress.Uploads;
using AudioOrchestrator.Testing;
using AudioOrchestrator.Testing.OpenAi;

namespace AudioOrchestrator.Silo.Tests;

/// <summary>
/// The real service with cloud speech: <c>Speech:SpeechToText</c> and <c>Speech:TextToSpeech</c> on OpenAI, pointed at the
/// local fake server (its Ogg Opus speech passes through to the output stream), the embedded engines behind them, and
/// guild 42 on Azure OpenAI.
/// </summary>
public sealed class CloudSpeechServiceFixture : ServiceFixture
{
    public const string AzureGuild = "42";

    public FakeOpenAiServer Server { get; private set; } = null!;

    protected override async Task<IReadOnlyDictionary<string, string?>> SettingsAsync()
    {
        Server = await FakeOpenAiServer.StartAsync();
        return new Dictionary<string, string?>
        {
            ["Speech:SpeechToText"] = "OpenAI",
            ["Speech:SpeechToText:FirstByteTimeout"] = "00:00:02",
            ["Speech:TextToSpeech"] = "OpenAI",
            ["Speech:TextToSpeech:FirstByteTimeout"] = "00:00:02",
            ["Speech:OpenAI:Endpoint"] = Server.BaseUrl.ToString(),
            ["Speech:OpenAI:ApiKey"] = "sk-speech",
            ["Speech:OpenAI:TranscriptionModel"] = "whisper-1",
            ["Speech:OpenAI:Voice"] = "nova",
            ["Speech:AzureOpenAI:Endpoint"] = Server.AzureEndpoint.ToString(),
            ["Speech:AzureOpenAI:ApiKey"] = "azure-key",
            ["Speech:AzureOpenAI:TranscriptionDeployment"] = "transcribe",
            ["Speech:AzureOpenAI:SpeechDeployment"] = "speak",
            [$"Speech:Guilds:{AzureGuild}:SpeechToText"] = "AzureOpenAI",
            [$"Speech:Guilds:{AzureGuild}:Language"] = "en",
            ["Speech:CircuitBreaker:FailureThreshold"] = "100",
        };
    }

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        if (Server is not null)
        {
            await Server.DisposeAsync();
        }
    }
}

/// <summary>Uploads answered through the cloud engines, a fallback within the turn, and a guild's own engine.</summary>
public sealed class CloudSpeechTests(CloudSpeechServiceFixture service) : IClassFixture<CloudSpeechServiceFixture>, IDisposable
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public void Dispose()
    {
        service.Server.Transcribe = _ => FakeAudioReply.Transcribed("echo hello world");
        service.Server.Speak = _ => null;
    }

    private async Task<UtteranceResponse> UploadAsync(string session, string spoken)
    {
        using var content = new ByteArrayContent(await EspeakCli.SayAsync(spoken, Ct));
        content.Headers.ContentType = new MediaTypeHeaderValue("audio/wav");
        using var response = await service.Http.PostAsync($"/api/v1/sessions/{session}/utterances", content, Ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<UtteranceResponse>(Ct))!;
    }

    [Fact]
    public async Task An_upload_is_transcribed_and_answered_by_the_cloud_and_its_opus_speech_is_sent_as_it_came()
    {
        var session = "cloud-" + Guid.NewGuid().ToString("N")[..8];
        service.Server.Transcribe = r => FakeAudioReply.Transcribed(r.Model == "whisper-1" ? "echo the quick brown fox" : "wrong model");
        var frames = new ConcurrentQueue<byte[]>();
        await using var listening = await service.Services.GetRequiredService<SessionOutputHub>().ListenAsync(session, e =>
        {
            if (e is AnswerAudio audio)
            {
                foreach (var frame in audio.Frames)
                {
                    frames.Enqueue(frame);
                }
            }

            return Task.CompletedTask;
        }, Ct);

        var body = await UploadAsync(session, "something pocketsphinx would not get right");

        Assert.Equal(("echo the quick brown fox", "echo", "the quick brown fox"), (body.Transcript, body.Agent, body.ResponseText));
        var speech = Assert.Single(service.Server.Speeches, s => s.Input == "the quick brown fox");
        Assert.Equal(("opus", "nova"), (speech.ResponseFormat, speech.Voice));

        // Pass-through: the frames on the output stream are the server's Opus packets, byte for byte.
        var served = OpusPacketizer.Encode(ToneTextToSpeech.Speak("the quick brown fox").ResampleTo(FakeOpenAiServer.PcmSampleRate));
        await TestWait.UntilAsync(() => frames.Count >= served.Count, "the answer's frames");
        Assert.Equal(served.Select(Convert.ToHexString), frames.Take(served.Count).Select(Convert.ToHexString));

        using var audio = await service.Http.GetAsync(body.ResponseAudioUrl, Ct);
        var wav = WavCodec.Decode(await audio.Content.ReadAsByteArrayAsync(Ct));
        Assert.InRange(TestAudio.EstimateFrequency(wav), 285, 315);
    }

    [Fact]
    public async Task Speech_whose_body_breaks_off_inside_an_ogg_page_is_said_up_to_the_break_and_the_turn_is_kept()
    {
        var session = "cut-" + Guid.NewGuid().ToString("N")[..8];
        service.Server.Transcribe = _ => FakeAudioReply.Transcribed("echo the quick brown fox jumps over the lazy dog");
        service.Server.Speak = _ => new FakeAudioReply { CutAfterBytes = 6000 };

        var body = await UploadAsync(session, "something long");

        Assert.Equal("the quick brown fox jumps over the lazy dog", body.ResponseText);
        using var audio = await service.Http.GetAsync(body.ResponseAudioUrl, Ct);
        var wav = WavCodec.Decode(await audio.Content.ReadAsByteArrayAsync(Ct));
        var whole = ToneTextToSpeech.Speak(body.ResponseText!).Duration;
        Assert.InRange(wav.Duration, TimeSpan.FromMilliseconds(200), whole - TimeSpan.FromMilliseconds(200)); // the part that came whole
        Assert.Contains(service.Logs.Lines, l => l.Contains("the speech engine's audio broke off", StringComparison.Ordinal));
        var snapshot = await service.Http.GetFromJsonAsync<SessionSnapshot>($"/api/v1/sessions/{session}", Ct);
        Assert.Equal(body.ResponseText, Assert.Single(snapshot!.History).ResponseText);
    }

    [Fact]
    public async Task A_failing_transcriber_and_a_stalled_voice_hand_the_turn_to_the_embedded_engines()
    {
        var session = "fallback-" + Guid.NewGuid().ToString("N")[..8];
        service.Server.Transcribe = _ => FakeAudioReply.Error(503);
        service.Server.Speak = _ => FakeAudioReply.Stall();

        var body = await UploadAsync(session, "echo hello world");

        // pocketsphinx heard espeak-ng; espeak-ng spoke the answer after the cloud voice's 2 s first-byte time.
        Assert.Equal(("echo hello world", "hello world"), (body.Transcript, body.ResponseText));
        Assert.Contains(service.Server.Transcriptions, r => r.Path == "/v1/audio/transcriptions");
        using var audio = await service.Http.GetAsync(body.ResponseAudioUrl, Ct);
        var wav = WavCodec.Decode(await audio.Content.ReadAsByteArrayAsync(Ct));
        Assert.InRange(wav.Duration.TotalSeconds, 0.4, 3);
        Assert.Contains(service.Logs.Lines, l => l.Contains("speech-to-text: OpenAI failed", StringComparison.Ordinal) && l.Contains("Embedded", StringComparison.Ordinal));
        Assert.Contains(service.Logs.Lines, l => l.Contains("text-to-speech: OpenAI failed (no first byte within 2000 ms)", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_guild_session_uses_the_guilds_engine_and_language()
    {
        var session = "guild-" + Guid.NewGuid().ToString("N")[..8];
        var cluster = service.Services.GetRequiredService<IClusterClient>();
        await cluster.GetGrain<IConversationGrain>(session).OpenAsync(new SessionProfile(SessionTransports.Discord, CloudSpeechServiceFixture.AzureGuild));
        service.Server.Transcribe = r => FakeAudioReply.Transcribed(
            r.Path.Contains("/deployments/transcribe/", StringComparison.Ordinal) ? "hey orchestrator echo from azure" : "hey orchestrator echo from openai");

        // A guild session wants its wake phrase: spotted acoustically by pocketsphinx, confirmed on the cloud transcript.
        var body = await UploadAsync(session, "hey orchestrator echo");

        Assert.Equal(("hey orchestrator echo from azure", "from azure"), (body.Transcript, body.ResponseText));
        var request = Assert.Single(service.Server.Transcriptions, r => r.Path.Contains("/deployments/", StringComparison.Ordinal));
        Assert.Equal(("en", "azure-key"), (request.Language, request.ApiKey));
    }
}
