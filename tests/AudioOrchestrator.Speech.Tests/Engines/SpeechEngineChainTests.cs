using AudioOrchestrator.Audio;
using AudioOrchestrator.Testing;
using AudioOrchestrator.Testing.OpenAi;
using Microsoft.Extensions.AI;

namespace AudioOrchestrator.Speech.Tests.Engines;

/// <summary>The cloud engines through Microsoft.Extensions.AI's OpenAI adapters, against the fake server over real sockets.</summary>
public sealed class SpeechEngineChainTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task OpenAI_transcribes_the_utterance_as_a_wav_upload_with_the_model_and_language()
    {
        await using var h = await SpeechEnginesHarness.StartAsync((o, _) =>
        {
            o.SpeechToText.Engine = SpeechEngineKind.OpenAI;
            o.SpeechToText.Language = "en";
            o.OpenAI.TranscriptionModel = "whisper-1";
        });
        h.Server.Transcribe = _ => FakeAudioReply.Transcribed("echo the quick brown fox");

        var response = await h.Engines.SpeechToText(null).GetTextAsync(SpeechEnginesHarness.Utterance(), cancellationToken: Ct);

        Assert.Equal("echo the quick brown fox", response.Text);
        var request = Assert.Single(h.Server.Transcriptions);
        Assert.Equal(("/v1/audio/transcriptions", "whisper-1", "en"), (request.Path, request.Model, request.Language));
        Assert.Equal("Bearer sk-speech", request.Authorization);
        Assert.Equal(600, WavCodec.Decode(request.Audio).Duration.TotalMilliseconds);
        Assert.Equal(0, h.Embedded.Calls);
    }

    [Fact]
    public async Task Azure_OpenAI_transcribes_on_its_deployment_with_its_key()
    {
        await using var h = await SpeechEnginesHarness.StartAsync((o, _) => o.SpeechToText.Engine = SpeechEngineKind.AzureOpenAI);
        h.Server.Transcribe = _ => FakeAudioReply.Transcribed("azure heard it");

        var response = await h.Engines.SpeechToText(null).GetTextAsync(SpeechEnginesHarness.Utterance(), cancellationToken: Ct);

        Assert.Equal("azure heard it", response.Text);
        var request = Assert.Single(h.Server.Transcriptions);
        Assert.Equal("/openai/deployments/transcribe/audio/transcriptions", request.Path);
        Assert.Equal("azure-key", request.ApiKey);
    }

    public static TheoryData<string> BadTranscriptionReplies => ["500", "429", "html", "empty", "error-json", "401"];

    [Theory]
    [MemberData(nameof(BadTranscriptionReplies))]
    public async Task A_failing_or_garbled_cloud_transcription_hands_the_utterance_to_the_embedded_engine(string failure)
    {
        await using var h = await SpeechEnginesHarness.StartAsync((o, _) => o.SpeechToText.Engine = SpeechEngineKind.OpenAI);
        h.Server.Transcribe = _ => failure switch
        {
            "500" => FakeAudioReply.Error(500),
            "429" => FakeAudioReply.Error(429) with { Headers = new Dictionary<string, string> { ["retry-after"] = "1" } },
            "401" => FakeAudioReply.Error(401),
            "html" => FakeAudioReply.Raw("<html><body>502 Bad Gateway</body></html>"),
            "empty" => FakeAudioReply.Raw("", "application/json"),
            _ => FakeAudioReply.Raw("""{"error":{"message":"model overloaded","type":"server_error"}}""", "application/json"),
        };

        var response = await h.Engines.SpeechToText(null).GetTextAsync(SpeechEnginesHarness.Utterance(), cancellationToken: Ct);

        Assert.Equal("echo hello world", response.Text);
        Assert.Single(h.Server.Transcriptions);
        Assert.Equal(1, h.Embedded.Calls);
    }

    [Fact]
    public async Task A_cloud_engine_with_no_answer_within_the_first_byte_time_is_passed_over()
    {
        await using var h = await SpeechEnginesHarness.StartAsync((o, _) =>
        {
            o.SpeechToText.Engine = SpeechEngineKind.OpenAI;
            o.SpeechToText.FirstByteTimeout = TimeSpan.FromSeconds(2);
        });
        h.Server.Transcribe = _ => FakeAudioReply.Stall();

        var transcribing = h.Engines.SpeechToText(null).GetTextAsync(SpeechEnginesHarness.Utterance(), cancellationToken: Ct);
        await TestWait.UntilAsync(() => h.Server.Transcriptions.Count == 1, "the cloud request");
        h.Time.Advance(TimeSpan.FromMilliseconds(1999));
        Assert.False(transcribing.IsCompleted);
        h.Time.Advance(TimeSpan.FromMilliseconds(1));

        var response = await transcribing.WaitAsync(TestWait.DefaultTimeout, Ct);
        Assert.Equal("echo hello world", response.Text);
        Assert.Equal(1, h.Embedded.Calls);
    }

    [Fact]
    public async Task A_failing_engine_is_kept_out_by_its_breaker_then_probed_again()
    {
        await using var h = await SpeechEnginesHarness.StartAsync((o, _) =>
        {
            o.SpeechToText.Engine = SpeechEngineKind.OpenAI;
            o.CircuitBreaker.FailureThreshold = 2;
            o.CircuitBreaker.BreakDuration = TimeSpan.FromSeconds(30);
        });
        h.Server.Transcribe = _ => FakeAudioReply.Error(503);
        var stt = h.Engines.SpeechToText(null);

        for (var i = 0; i < 4; i++)
        {
            Assert.Equal("echo hello world", (await stt.GetTextAsync(SpeechEnginesHarness.Utterance(), cancellationToken: Ct)).Text);
        }

        // Two failures opened the breaker: the next two utterances never reached the server.
        Assert.Equal(2, h.Server.Transcriptions.Count);

        h.Server.Transcribe = _ => FakeAudioReply.Transcribed("back again");
        h.Time.Advance(TimeSpan.FromSeconds(30));
        Assert.Equal("back again", (await stt.GetTextAsync(SpeechEnginesHarness.Utterance(), cancellationToken: Ct)).Text);
        Assert.Equal(3, h.Server.Transcriptions.Count);
    }

    [Fact]
    public async Task A_guild_gets_its_own_engine_and_language_and_others_the_default()
    {
        await using var h = await SpeechEnginesHarness.StartAsync((o, _) =>
        {
            o.SpeechToText.Engine = SpeechEngineKind.OpenAI;
            o.Guilds["42"] = new SpeechGuildOptions { SpeechToText = SpeechEngineKind.AzureOpenAI, Language = "de" };
        });

        await h.Engines.SpeechToText("42").GetTextAsync(SpeechEnginesHarness.Utterance(), cancellationToken: Ct);
        await h.Engines.SpeechToText("7").GetTextAsync(SpeechEnginesHarness.Utterance(), cancellationToken: Ct);

        Assert.True(h.Engines.HasOverrides("42"));
        Assert.False(h.Engines.HasOverrides("7"));
        Assert.Collection(
            h.Server.Transcriptions,
            guild => Assert.Equal(("/openai/deployments/transcribe/audio/transcriptions", "de"), (guild.Path, guild.Language)),
            other => Assert.Equal(("/v1/audio/transcriptions", null), (other.Path, other.Language)));
    }

    [Fact]
    public async Task OpenAI_speaks_as_wav_with_the_guilds_voice_when_wav_is_asked_for()
    {
        await using var h = await SpeechEnginesHarness.StartAsync((o, _) =>
        {
            o.TextToSpeech.Engine = SpeechEngineKind.OpenAI;
            o.TextToSpeech.AudioFormat = CloudSpeechFormat.Wav;
            o.TextToSpeech.Speed = 1.25;
            o.OpenAI.SpeechModel = "tts-1";
            o.Guilds["42"] = new SpeechGuildOptions { Voice = "nova" };
        });

        var content = await SpeakAsync(h.Engines.TextToSpeech("42"), "Hello there.");
        await SpeakAsync(h.Engines.TextToSpeech(null), "Hi.");

        Assert.Equal(SpeechAudioFormats.Wav, content.MediaType);
        var audio = WavCodec.Decode(content.Data.Span);
        Assert.Equal(FakeOpenAiServer.PcmSampleRate, audio.SampleRate);
        Assert.Equal("Hello there.".Length * ToneTextToSpeech.MillisecondsPerCharacter, audio.Duration.TotalMilliseconds, 1.0);
        Assert.Collection(
            h.Server.Speeches,
            guild => Assert.Equal(("tts-1", "nova", "wav", "Hello there."), (guild.Model, guild.Voice, guild.ResponseFormat, guild.Input)),
            other => Assert.Equal(("alloy", 1.25), (other.Voice, other.Speed)));
    }

    [Fact]
    public async Task Azure_OpenAI_speaks_ogg_opus_by_default_with_20_ms_packets_checked_whole()
    {
        await using var h = await SpeechEnginesHarness.StartAsync((o, _) => o.TextToSpeech.Engine = SpeechEngineKind.AzureOpenAI);

        var content = await SpeakAsync(h.Engines.TextToSpeech(null), "Hello there.");

        Assert.Equal(SpeechAudioFormats.OggOpus, content.MediaType);
        var ogg = OggOpusReader.Read(content.Data.Span);
        Assert.True(ogg.IsTwentyMillisecondPackets);
        Assert.Equal("Hello there.".Length * ToneTextToSpeech.MillisecondsPerCharacter / 20, ogg.Packets.Count);
        var request = Assert.Single(h.Server.Speeches);
        Assert.Equal(("/openai/deployments/speak/audio/speech", "opus", "azure-key"), (request.Path, request.ResponseFormat, request.ApiKey));
    }

    [Theory]
    [InlineData("html")]
    [InlineData("500")]
    [InlineData("not-opus")]
    [InlineData("truncated-ogg")]
    [InlineData("stall")]
    public async Task Speech_that_fails_before_its_first_byte_comes_from_the_embedded_engine(string failure)
    {
        await using var h = await SpeechEnginesHarness.StartAsync((o, _) =>
        {
            o.TextToSpeech.Engine = SpeechEngineKind.OpenAI;
            o.TextToSpeech.FirstByteTimeout = TimeSpan.FromSeconds(1);
        });
        h.Server.Speak = _ => failure switch
        {
            "html" => FakeAudioReply.Raw("<html>Service Unavailable</html>"),
            "500" => FakeAudioReply.Error(500),
            "not-opus" => FakeAudioReply.Raw("RIFF....WAVEjunk", "audio/wav"),
            "truncated-ogg" => new FakeAudioReply { RawBody = OggOpusWriter.Write(OpusPacketizer.Encode(ToneTextToSpeech.Speak("Hello there.")))[..^30], RawContentType = "audio/ogg" },
            _ => FakeAudioReply.Stall(),
        };

        var speaking = SpeakAsync(h.Engines.TextToSpeech(null), "Hello there.");
        if (failure == "stall")
        {
            await TestWait.UntilAsync(() => h.Server.Speeches.Count == 1, "the cloud request");
            h.Time.Advance(TimeSpan.FromSeconds(1));
        }

        var content = await speaking.WaitAsync(TestWait.DefaultTimeout, Ct);
        Assert.Equal(ToneTextToSpeech.SampleRate, WavCodec.Decode(content.Data.Span).SampleRate);
    }

    private static async Task<DataContent> SpeakAsync(ITextToSpeechClient client, string text)
    {
        var response = await client.GetAudioAsync(text, cancellationToken: Ct);
        return Assert.Single(response.Contents.OfType<DataContent>());
    }
}
