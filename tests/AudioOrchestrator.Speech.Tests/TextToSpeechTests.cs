using AudioOrchestrator.Audio;
using Microsoft.Extensions.AI;

namespace AudioOrchestrator.Speech.Tests;

public sealed class TextToSpeechTests(SpeechFixture fixture, ITestOutputHelper output)
{
    private const string Sentence = "The quick brown fox jumps over the lazy dog.";

    [Fact]
    public async Task Sentence_gives_mono_audio_of_plausible_duration()
    {
        var audio = await fixture.Synthesizer.SynthesizeAsync(Sentence, TestContext.Current.CancellationToken);
        output.WriteLine(audio.ToString());

        Assert.Equal(1, audio.Channels);
        Assert.Equal(22050, audio.SampleRate);
        Assert.InRange(audio.Duration.TotalSeconds, 1.5, 5.0);
        Assert.True(PcmMath.RmsDbfs(audio.Samples) > -40, "audio is nearly silent");
    }

    [Fact]
    public async Task GetAudioAsync_returns_one_wav_content()
    {
        var response = await fixture.Synthesizer.GetAudioAsync(Sentence, cancellationToken: TestContext.Current.CancellationToken);

        var content = Assert.IsType<DataContent>(Assert.Single(response.Contents));
        Assert.Equal("audio/wav", content.MediaType);
        var audio = WavCodec.Decode(content.Data.Span);
        Assert.InRange(audio.Duration.TotalSeconds, 1.5, 5.0);
    }

    [Fact]
    public async Task Faster_speed_gives_shorter_audio()
    {
        var ct = TestContext.Current.CancellationToken;
        var slow = await fixture.Synthesizer.SynthesizeAsync(Sentence, new TextToSpeechOptions { Speed = 0.7f }, ct);
        var fast = await fixture.Synthesizer.SynthesizeAsync(Sentence, new TextToSpeechOptions { Speed = 2.0f }, ct);
        output.WriteLine($"slow {slow.Duration.TotalMilliseconds} ms, fast {fast.Duration.TotalMilliseconds} ms");

        Assert.True(fast.Duration.TotalSeconds < slow.Duration.TotalSeconds * 0.6, $"fast {fast.Duration} vs slow {slow.Duration}");
    }

    [Fact]
    public async Task Configured_rate_is_applied()
    {
        var ct = TestContext.Current.CancellationToken;
        var normal = await fixture.Synthesizer.SynthesizeAsync(Sentence, ct);
        var fast = await fixture.Synthesizer.SynthesizeAsync(Sentence, new TextToSpeechOptions { Speed = 400f / 175f }, ct);

        Assert.True(fast.Duration < normal.Duration, $"fast {fast.Duration} vs normal {normal.Duration}");
    }

    [Fact]
    public async Task Voice_option_changes_the_audio_and_unknown_voice_fails()
    {
        var ct = TestContext.Current.CancellationToken;
        var us = await fixture.Synthesizer.SynthesizeAsync("tomato", new TextToSpeechOptions { VoiceId = "en-us" }, ct);
        var german = await fixture.Synthesizer.SynthesizeAsync("tomato", new TextToSpeechOptions { VoiceId = "de" }, ct);

        Assert.False(us.Samples.AsSpan().SequenceEqual(german.Samples), "voices produced identical audio");
        await Assert.ThrowsAsync<ArgumentException>(() =>
            fixture.Synthesizer.SynthesizeAsync("hello", new TextToSpeechOptions { VoiceId = "no-such-voice-xyz" }, ct));
    }

    [Fact]
    public async Task Options_of_one_call_do_not_leak_into_the_next()
    {
        var ct = TestContext.Current.CancellationToken;
        var before = await fixture.Synthesizer.SynthesizeAsync(Sentence, ct);
        _ = await fixture.Synthesizer.SynthesizeAsync(Sentence, new TextToSpeechOptions { Speed = 2f, VoiceId = "de" }, ct);
        var after = await fixture.Synthesizer.SynthesizeAsync(Sentence, ct);

        // espeak output varies by about 1-2 % between identical calls; a leaked speed of 2x would halve it.
        Assert.InRange(after.Duration.TotalMilliseconds, before.Duration.TotalMilliseconds * 0.95, before.Duration.TotalMilliseconds * 1.05);
    }

    [Fact]
    public async Task Streaming_yields_one_update_per_sentence()
    {
        var updates = new List<TextToSpeechResponseUpdate>();
        await foreach (var update in fixture.Synthesizer.GetStreamingAudioAsync(
            "Hello there. How are you today? I am fine!\nSee you later", cancellationToken: TestContext.Current.CancellationToken))
        {
            updates.Add(update);
        }

        Assert.Equal(4, updates.Count);
        foreach (var update in updates)
        {
            var content = Assert.IsType<DataContent>(Assert.Single(update.Contents));
            Assert.True(WavCodec.Decode(content.Data.Span).Duration > TimeSpan.FromMilliseconds(300));
        }
    }

    [Fact]
    public async Task Cancelled_synthesis_throws()
    {
        using var cts = new CancellationTokenSource();
        await cts.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => fixture.Synthesizer.SynthesizeAsync(Sentence, cts.Token));
    }

    [Theory]
    [InlineData("what time is it")]
    [InlineData("hey orchestrator")]
    [InlineData("echo hello world")]
    [InlineData("hello world")]
    public async Task Round_trip_through_wav_is_recognised(string phrase)
    {
        var ct = TestContext.Current.CancellationToken;
        var response = await fixture.Synthesizer.GetAudioAsync(phrase, cancellationToken: ct);
        var content = Assert.IsType<DataContent>(Assert.Single(response.Contents));
        using var stream = new MemoryStream(content.Data.ToArray());

        var text = await fixture.Recognizer.GetTextAsync(stream, cancellationToken: ct);

        Assert.Equal(phrase, text.Text);
    }

    [Fact]
    public async Task More_clients_in_one_process_synthesise_and_dispose_without_hanging()
    {
        var ct = TestContext.Current.CancellationToken;
        var options = Microsoft.Extensions.Options.Options.Create(new EspeakOptions { Voice = "en-us" });

        // espeak-ng 1.51 hung in espeak_Terminate once a second client had initialised it again in the process.
        await Task.Run(
            async () =>
            {
                for (var round = 0; round < 2; round++)
                {
                    var client = new EspeakTextToSpeechClient(options, Microsoft.Extensions.Logging.Abstractions.NullLogger<EspeakTextToSpeechClient>.Instance);
                    var audio = await client.SynthesizeAsync("hello world", ct);
                    Assert.True(audio.Duration.TotalMilliseconds > 300, $"round {round}: {audio.Duration}");
                    client.Dispose();
                    await Assert.ThrowsAsync<ObjectDisposedException>(() => client.SynthesizeAsync("hello", ct));
                }
            },
            ct).WaitAsync(TimeSpan.FromSeconds(60), ct);

        // The shared client still works.
        var still = await fixture.Synthesizer.SynthesizeAsync(Sentence, ct);
        Assert.True(still.Duration.TotalSeconds > 1);
    }

}

public sealed class SentenceSplitterTests
{
    [Fact]
    public void Splits_on_terminators_and_newlines()
    {
        Assert.Equal(["Hello there.", "How are you?", "Fine!", "Next line", "Pi is 3.14."], SentenceSplitter.Split("Hello there. How are you? Fine!\nNext line\r\nPi is 3.14."));
    }

    [Fact]
    public void Drops_empty_fragments()
    {
        Assert.Equal(["Wait...", "What?!"], SentenceSplitter.Split("  Wait... What?! \n\n ..."));
    }
}

public sealed class JsgfGrammarBuilderTests
{
    [Fact]
    public void Builds_wake_command_and_dictation_rules()
    {
        var grammar = JsgfGrammarBuilder.Build(SpeechFixture.Vocabulary, ["hello", "world", "Zzyzxq"], w => w != "zzyzxq");

        Assert.NotNull(grammar.Jsgf);
        Assert.Contains("<dictation>+", grammar.Jsgf, StringComparison.Ordinal);
        Assert.Contains("public <utterance> = <wake> | ( [ <wake> ] <command> );", grammar.Jsgf, StringComparison.Ordinal);
        Assert.Contains("hello", grammar.DictationWords);
        Assert.Contains("echo", grammar.DictationWords);
        Assert.DoesNotContain("zzyzxq", grammar.DictationWords);
        Assert.True(JsgfGrammarBuilder.Matches(grammar, "hey orchestrator echo hello world"));
        Assert.True(JsgfGrammarBuilder.Matches(grammar, "hey orchestrator"));
        Assert.False(JsgfGrammarBuilder.Matches(grammar, "echo"));
        Assert.False(JsgfGrammarBuilder.Matches(grammar, "hello world"));
        Assert.True(grammar.IsDictation("hey orchestrator echo hello world"));
        Assert.False(grammar.IsDictation("what time is it"));
        Assert.False(grammar.IsDictation("hey orchestrator"));
        Assert.True(grammar.IsInVocabulary("echo hello world"));
        Assert.False(grammar.IsInVocabulary("echo zzyzxq"));
        Assert.NotNull(grammar.FreeJsgf);
        Assert.Contains("public <utterance> = <word>+;", grammar.FreeJsgf, StringComparison.Ordinal);
        Assert.Contains(" orchestrator ", grammar.FreeJsgf, StringComparison.Ordinal);
    }

    [Fact]
    public void Phrases_with_unknown_words_are_rejected()
    {
        var vocabulary = new SpeechVocabulary(["help", "frobnicate now"], [], new Dictionary<string, string>());

        var grammar = JsgfGrammarBuilder.Build(vocabulary, [], w => w != "frobnicate");

        Assert.Equal(["help"], grammar.CommandPhrases);
        Assert.Equal(["frobnicate now"], grammar.RejectedPhrases);
    }
}
