using System.Diagnostics;
using AudioOrchestrator.Audio;
using Microsoft.Extensions.AI;

namespace AudioOrchestrator.Speech.Tests;

public sealed class SpeechToTextTests(SpeechFixture fixture, ITestOutputHelper output)
{
    /// <summary>Phrases of the agents' vocabulary, read by the espeak-ng CLI at its default rate and slower.</summary>
    public static TheoryData<string, int> RequiredPhrases
    {
        get
        {
            var data = new TheoryData<string, int>();
            foreach (var phrase in EvaluatedPhrases)
            {
                foreach (var rate in AdaptationCorpus.Rates)
                {
                    data.Add(phrase, rate);
                }
            }

            return data;
        }
    }

    /// <summary>Phrases the recogniser must transcribe exactly; none of their words is in the enrolment corpus.</summary>
    public static readonly string[] EvaluatedPhrases =
    [
        "echo hello world",
        "what time is it",
        "help",
        "hey orchestrator echo good morning",
        "hey orchestrator what time is it",
        "hey orchestrator",
        "what is the time",
        "tell me the time",
        "time",
        "what can you do",
        "help me",
        "hey orchestrator help",
        "echo thank you very much",
        "repeat the red car is fast",
        "say good night",
        "echo call my mother tomorrow",
        "echo the weather is nice today",
        "echo see you next week",
    ];

    public static TheoryData<string> OwnTtsPhrases =>
    [
        "what time is it",
        "help",
        "hey orchestrator",
        "hey orchestrator what time is it",
        "echo hello world",
    ];

    [Fact]
    public void Enrolment_corpus_shares_no_content_word_with_the_evaluated_phrases()
    {
        string[] functionWords = ["the", "is", "do", "a", "to", "and", "of", "in", "on", "at", "by", "from", "for", "with"];
        var evaluated = EvaluatedPhrases.Append("hello world").SelectMany(p => p.Split(' ')).Except(functionWords).ToHashSet();
        var shared = AdaptationCorpus.Sentences.SelectMany(s => s.Split(' ')).Where(evaluated.Contains).Distinct().ToList();

        Assert.Empty(shared);
    }

    /// <summary>The service's answer audio (its own TTS) sent back as a 48 kHz stereo WAV: out of grammar, so the language model reads it.</summary>
    [Fact]
    public async Task Own_tts_answer_audio_is_transcribed_back_exactly()
    {
        var ct = TestContext.Current.CancellationToken;
        var audio = await fixture.Synthesizer.SynthesizeAsync("hello world", ct);
        var wav = await SpeechFixture.SoxConvertAsync(WavCodec.Encode(audio), 48000, 2, ct);
        using var stream = new MemoryStream(wav);

        var response = await TimedAsync("answer 48 kHz stereo: hello world", () => fixture.Recognizer.GetTextAsync(stream, cancellationToken: ct), WavCodec.Decode(wav).Duration.TotalSeconds);

        Assert.Equal("hello world", response.Text);
        Assert.Equal(PocketSphinxSpeechToTextClient.LanguageModelSearchName, response.AdditionalProperties?[PocketSphinxSpeechToTextClient.SearchPropertyKey]);
    }

    [Theory]
    [InlineData(175)]
    [InlineData(140)]
    public async Task Espeak_cli_answer_audio_is_transcribed_back_exactly(int rate)
    {
        var ct = TestContext.Current.CancellationToken;
        var wav = await SpeechFixture.EspeakCliAsync("hello world", ct, "en-us", rate);
        using var stream = new MemoryStream(wav);

        var response = await TimedAsync($"hello world @{rate}", () => fixture.Recognizer.GetTextAsync(stream, cancellationToken: ct), WavCodec.Decode(wav).Duration.TotalSeconds);

        Assert.Equal("hello world", response.Text);
    }

    [Fact]
    public async Task Dictation_keeps_the_command_word()
    {
        var ct = TestContext.Current.CancellationToken;
        var pcm = await fixture.Speech16kAsync("echo hello world", ct);

        var response = await TimedAsync("echo hello world", () => fixture.Recognizer.TranscribeAsync(pcm, ct), pcm.Length / 16000.0);

        Assert.StartsWith("echo ", response.Text, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(OwnTtsPhrases))]
    public async Task Own_tts_audio_is_recognised_exactly(string phrase)
    {
        var ct = TestContext.Current.CancellationToken;
        var pcm = await fixture.Speech16kAsync(phrase, ct);

        var response = await TimedAsync(phrase, () => fixture.Recognizer.TranscribeAsync(pcm, ct), pcm.Length / 16000.0);

        Assert.Equal(phrase, response.Text);
        Assert.Equal(PocketSphinxSpeechToTextClient.GrammarSearchName, response.AdditionalProperties?[PocketSphinxSpeechToTextClient.SearchPropertyKey]);
    }

    [Theory]
    [MemberData(nameof(RequiredPhrases))]
    public async Task Espeak_cli_wav_is_recognised_exactly(string phrase, int rate)
    {
        var ct = TestContext.Current.CancellationToken;
        var wav = await SpeechFixture.EspeakCliAsync(phrase, ct, "en-us", rate);
        using var stream = new MemoryStream(wav);

        var response = await TimedAsync($"{phrase} @{rate}", () => fixture.Recognizer.GetTextAsync(stream, cancellationToken: ct), WavCodec.Decode(wav).Duration.TotalSeconds);

        Assert.Equal(phrase, response.Text);
    }

    [Fact]
    public async Task Out_of_grammar_speech_falls_back_to_the_language_model()
    {
        var ct = TestContext.Current.CancellationToken;
        const string phrase = "the children are reading books about dinosaurs in the library";
        var pcm = await fixture.Speech16kAsync(phrase, ct);

        var response = await TimedAsync(phrase, () => fixture.Recognizer.TranscribeAsync(pcm, ct), pcm.Length / 16000.0);

        Assert.Equal(PocketSphinxSpeechToTextClient.LanguageModelSearchName, response.AdditionalProperties?[PocketSphinxSpeechToTextClient.SearchPropertyKey]);
    }

    [Fact]
    public async Task Silence_returns_empty_text_quickly()
    {
        var ct = TestContext.Current.CancellationToken;
        var silence = new short[16000 * 3];
        var random = new Random(42);
        for (var i = 0; i < silence.Length; i++)
        {
            silence[i] = (short)random.Next(-3, 4); // faint dither, about -80 dBFS
        }

        var stopwatch = Stopwatch.StartNew();
        var response = await fixture.Recognizer.TranscribeAsync(silence, ct);
        stopwatch.Stop();
        output.WriteLine($"silence (3 s): '{response.Text}' in {stopwatch.Elapsed.TotalMilliseconds:F1} ms");

        Assert.Equal(string.Empty, response.Text);
        Assert.True(stopwatch.Elapsed < TimeSpan.FromMilliseconds(200), $"took {stopwatch.Elapsed}");
    }

    [Fact]
    public async Task Silent_wav_returns_empty_text()
    {
        var ct = TestContext.Current.CancellationToken;
        using var stream = new MemoryStream(WavCodec.Encode(PcmAudio.Silence(TimeSpan.FromSeconds(2), 16000)));

        var response = await fixture.Recognizer.GetTextAsync(stream, cancellationToken: ct);

        Assert.Equal(string.Empty, response.Text);
    }

    [Fact]
    public async Task Non_wav_stream_throws_InvalidAudioException()
    {
        var ct = TestContext.Current.CancellationToken;
        using var stream = new MemoryStream("this is not a wav file, just some text bytes"u8.ToArray());

        await Assert.ThrowsAsync<InvalidAudioException>(() => fixture.Recognizer.GetTextAsync(stream, cancellationToken: ct));
    }

    [Fact]
    public async Task Wav_at_8khz_stereo_is_converted_and_recognised()
    {
        var ct = TestContext.Current.CancellationToken;
        const string phrase = "what time is it";
        var wav = await SpeechFixture.SoxConvertAsync(await SpeechFixture.EspeakCliAsync(phrase, ct, "en-us"), 8000, 2, ct);
        var decoded = WavCodec.Decode(wav);
        Assert.Equal((8000, 2), (decoded.SampleRate, decoded.Channels));
        using var stream = new MemoryStream(wav);

        var response = await TimedAsync("8 kHz stereo: " + phrase, () => fixture.Recognizer.GetTextAsync(stream, cancellationToken: ct), decoded.Duration.TotalSeconds);

        Assert.Equal(phrase, response.Text);
    }

    [Fact]
    public async Task Streaming_yields_the_final_text_once()
    {
        var ct = TestContext.Current.CancellationToken;
        using var stream = new MemoryStream(await SpeechFixture.EspeakCliAsync("help", ct, "en-us"));

        var updates = new List<SpeechToTextResponseUpdate>();
        await foreach (var update in fixture.Recognizer.GetStreamingTextAsync(stream, cancellationToken: ct))
        {
            updates.Add(update);
        }

        var single = Assert.Single(updates);
        Assert.Equal("help", single.Text);
    }

    [Fact]
    public async Task Cancelled_token_is_honoured_before_decoding()
    {
        var pcm = await fixture.Speech16kAsync("what time is it", TestContext.Current.CancellationToken);
        using var cts = new CancellationTokenSource();
        await cts.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => fixture.Recognizer.TranscribeAsync(pcm, cts.Token));
    }

    [Fact]
    public async Task Cancellation_interrupts_a_long_decode()
    {
        var ct = TestContext.Current.CancellationToken;
        var sentence = await fixture.Speech16kAsync("the quick brown fox jumps over the lazy dog and runs into the forest", ct);
        var longAudio = new short[sentence.Length * 12]; // about 40 s
        for (var i = 0; i < 12; i++)
        {
            sentence.CopyTo(longAudio, i * sentence.Length);
        }

        // Make sure a decoder exists so the measurement is about decoding, not model loading.
        _ = await fixture.Recognizer.TranscribeAsync(await fixture.Speech16kAsync("help", ct), ct);

        using var cts = CancellationTokenSource.CreateLinkedTokenSource(ct);
        cts.CancelAfter(TimeSpan.FromMilliseconds(300));
        var stopwatch = Stopwatch.StartNew();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => fixture.Recognizer.TranscribeAsync(longAudio, cts.Token));
        output.WriteLine($"cancelled {longAudio.Length / 16000.0:F1} s decode after {stopwatch.Elapsed.TotalMilliseconds:F0} ms");
        Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(3), $"cancellation took {stopwatch.Elapsed}");
    }

    [Fact]
    public async Task Concurrent_requests_share_the_pool()
    {
        var ct = TestContext.Current.CancellationToken;
        string[] phrases = ["help", "what time is it", "hey orchestrator", "echo hello world"];
        var audio = new List<short[]>();
        foreach (var phrase in phrases)
        {
            audio.Add(await fixture.Speech16kAsync(phrase, ct));
        }

        var stopwatch = Stopwatch.StartNew();
        var results = await Task.WhenAll(audio.Select(a => fixture.Recognizer.TranscribeAsync(a, ct)));
        output.WriteLine($"{phrases.Length} concurrent utterances in {stopwatch.Elapsed.TotalMilliseconds:F0} ms");

        Assert.Equal(phrases, results.Select(r => r.Text));
    }

    private async Task<SpeechToTextResponse> TimedAsync(string label, Func<Task<SpeechToTextResponse>> transcribe, double audioSeconds)
    {
        var stopwatch = Stopwatch.StartNew();
        var response = await transcribe();
        stopwatch.Stop();
        var properties = response.AdditionalProperties;
        output.WriteLine(
            $"'{label}' -> '{response.Text}' [{properties?[PocketSphinxSpeechToTextClient.SearchPropertyKey]}, " +
            $"confidence {(properties?.TryGetValue(PocketSphinxSpeechToTextClient.ConfidencePropertyKey, out var c) == true ? c : "n/a")}, " +
            $"grammar said '{(properties?.TryGetValue("grammarHypothesis", out var g) == true ? g : "-")}'] " +
            $"{stopwatch.Elapsed.TotalMilliseconds:F0} ms for {audioSeconds:F2} s of audio");
        return response;
    }
}
