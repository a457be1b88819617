using AudioOrchestrator.Audio;
using AudioOrchestrator.Testing;
using AudioOrchestrator.Testing.OpenAi;
using Microsoft.Extensions.AI;

namespace AudioOrchestrator.Speech.Tests.Engines;

/// <summary>Streaming requests where the server offers them, plain ones where it does not, against the fake server.</summary>
public sealed class SpeechStreamingTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData("gpt-4o-mini-transcribe", null, true)]
    [InlineData("gpt-4o-transcribe", null, true)]
    [InlineData("whisper-1", null, false)]
    [InlineData("Systran/faster-whisper-small", null, false)]
    [InlineData("gpt-4o-mini-transcribe", false, false)]
    [InlineData("my-streaming-model", true, true)]
    public async Task Transcription_streams_where_the_model_offers_it_and_is_one_plain_request_elsewhere(string model, bool? configured, bool streams)
    {
        await using var h = await SpeechEnginesHarness.StartAsync((o, _) =>
        {
            o.SpeechToText.Engine = SpeechEngineKind.OpenAI;
            o.OpenAI.TranscriptionModel = model;
            o.OpenAI.StreamTranscription = configured;
        });
        h.Server.Transcribe = _ => FakeAudioReply.Transcribed("echo the quick brown fox");

        var response = await h.Engines.SpeechToText(null).GetTextAsync(SpeechEnginesHarness.Utterance(), cancellationToken: Ct);

        Assert.Equal("echo the quick brown fox", response.Text.Trim());
        var request = Assert.Single(h.Server.Transcriptions);
        Assert.Equal((model, streams), (request.Model, request.Stream));
        Assert.Equal(0, h.Embedded.Calls);
    }

    [Fact]
    public async Task Azure_transcription_streams_when_configured()
    {
        await using var h = await SpeechEnginesHarness.StartAsync((o, _) =>
        {
            o.SpeechToText.Engine = SpeechEngineKind.AzureOpenAI;
            o.AzureOpenAI.StreamTranscription = true;
        });
        h.Server.Transcribe = _ => FakeAudioReply.Transcribed("azure streamed it");

        var response = await h.Engines.SpeechToText(null).GetTextAsync(SpeechEnginesHarness.Utterance(), cancellationToken: Ct);

        Assert.Equal("azure streamed it", response.Text.Trim());
        Assert.True(Assert.Single(h.Server.Transcriptions).Stream);
    }

    [Fact]
    public async Task A_server_that_refuses_streaming_hands_the_utterance_to_the_next_engine()
    {
        // Streaming forced on for whisper-1, which the server refuses with 400: the embedded engine answers.
        await using var h = await SpeechEnginesHarness.StartAsync((o, _) =>
        {
            o.SpeechToText.Engine = SpeechEngineKind.OpenAI;
            o.OpenAI.TranscriptionModel = "whisper-1";
            o.OpenAI.StreamTranscription = true;
        });

        var response = await h.Engines.SpeechToText(null).GetTextAsync(SpeechEnginesHarness.Utterance(), cancellationToken: Ct);

        Assert.Equal("echo hello world", response.Text);
        Assert.Equal(1, h.Embedded.Calls);
    }

    [Theory]
    [InlineData(CloudSpeechFormat.Opus, SpeechAudioFormats.OggOpus)]
    [InlineData(CloudSpeechFormat.Wav, SpeechAudioFormats.Wav)]
    [InlineData(CloudSpeechFormat.Pcm, SpeechAudioFormats.Pcm)]
    public async Task Speech_is_handed_on_piece_by_piece_while_the_server_is_still_sending(CloudSpeechFormat format, string mediaType)
    {
        await using var h = await SpeechEnginesHarness.StartAsync((o, _) =>
        {
            o.TextToSpeech.Engine = SpeechEngineKind.OpenAI;
            o.TextToSpeech.AudioFormat = format;
        });
        var rest = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        h.Server.Speak = _ => new FakeAudioReply { RestOfBody = rest.Task };
        var text = string.Concat(Enumerable.Repeat("A long sentence that takes a while to say. ", 4));

        var body = new MemoryStream();
        var updates = 0;
        await foreach (var update in h.Engines.TextToSpeech(null).GetStreamingAudioAsync(text, cancellationToken: Ct))
        {
            var content = Assert.IsType<DataContent>(Assert.Single(update.Contents));
            Assert.Equal(mediaType, content.MediaType);
            body.Write(content.Data.Span);
            if (++updates == 1)
            {
                // The first piece is here while the server holds the rest back.
                Assert.False(Assert.Single(h.Server.Speeches).Finished);
                rest.SetResult();
            }
        }

        Assert.True(updates > 1);
        Assert.Equal(format switch { CloudSpeechFormat.Opus => "opus", CloudSpeechFormat.Wav => "wav", _ => "pcm" }, h.Server.Speeches[0].ResponseFormat);
        var expectedMs = text.Length * ToneTextToSpeech.MillisecondsPerCharacter;
        var heardMs = format switch
        {
            CloudSpeechFormat.Opus => OggOpusReader.Read(body.ToArray()).Packets.Count * 20.0,
            CloudSpeechFormat.Wav => WavCodec.Decode(body.ToArray()).Duration.TotalMilliseconds,
            _ => body.Length / 2 * 1000.0 / FakeOpenAiServer.PcmSampleRate,
        };
        Assert.Equal(expectedMs, heardMs, 20.0);
    }

    public static TheoryData<string> BadSpeechBodies => ["html", "500", "not-opus", "empty", "json-error", "stall"];

    [Theory]
    [MemberData(nameof(BadSpeechBodies))]
    public async Task Streamed_speech_whose_start_is_not_audio_comes_from_the_embedded_engine(string failure)
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
            "not-opus" => FakeAudioReply.Raw("RIFF....WAVEjunk", "audio/ogg"),
            "empty" => FakeAudioReply.Raw("", "audio/ogg"),
            "json-error" => FakeAudioReply.Raw("""{"error":{"message":"overloaded"}}""", "application/json"),
            _ => FakeAudioReply.Stall(),
        };

        var speaking = CollectAsync(h.Engines.TextToSpeech(null), "Hello there.");
        if (failure == "stall")
        {
            await TestWait.UntilAsync(() => h.Server.Speeches.Count == 1, "the cloud request");
            h.Time.Advance(TimeSpan.FromSeconds(1));
        }

        var (mediaType, body) = await speaking.WaitAsync(TestWait.DefaultTimeout, Ct);
        Assert.Equal(SpeechAudioFormats.Wav, mediaType);
        Assert.Equal(ToneTextToSpeech.SampleRate, WavCodec.Decode(body).SampleRate);
    }

    [Fact]
    public async Task A_streamed_body_cut_inside_an_ogg_page_is_handed_on_as_it_came()
    {
        // Audio has been played by then: the stage reads what is whole and reports the cut (SynthesizedSpeechReader).
        await using var h = await SpeechEnginesHarness.StartAsync((o, _) => o.TextToSpeech.Engine = SpeechEngineKind.OpenAI);
        h.Server.Speak = _ => new FakeAudioReply { CutAfterBytes = 7000 };

        var (mediaType, body) = await CollectAsync(h.Engines.TextToSpeech(null), string.Concat(Enumerable.Repeat("Long enough. ", 10)));

        Assert.Equal((SpeechAudioFormats.OggOpus, 7000), (mediaType, body.Length));
        Assert.Throws<InvalidDataException>(() => OggOpusReader.Read(body));
    }

    private static async Task<(string MediaType, byte[] Body)> CollectAsync(ITextToSpeechClient client, string text)
    {
        var body = new MemoryStream();
        string? mediaType = null;
        await foreach (var update in client.GetStreamingAudioAsync(text, cancellationToken: Ct))
        {
            foreach (var content in update.Contents.OfType<DataContent>())
            {
                mediaType ??= content.MediaType;
                body.Write(content.Data.Span);
            }
        }

        return (mediaType ?? "", body.ToArray());
    }
}
