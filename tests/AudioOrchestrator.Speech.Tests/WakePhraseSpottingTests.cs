using AudioOrchestrator.Audio;
using Microsoft.Extensions.Options;

namespace AudioOrchestrator.Speech.Tests;

/// <summary>Acoustic wake phrase spotting with pocketsphinx keyphrase search on espeak-ng speech, fed 20 ms at a time.</summary>
public sealed class WakePhraseSpottingTests(SpeechFixture fixture, ITestOutputHelper output)
{
    private const int FrameSamples = 320;
    private static readonly string[] Wake = ["hey orchestrator"];

    public static TheoryData<string> WithWake =>
    [
        "hey orchestrator echo good morning",
        "hey orchestrator what time is it",
        "hey orchestrator help",
        "hey orchestrator",
    ];

    public static TheoryData<string> WithoutWake =>
    [
        "echo hello world",
        "what time is it",
        "help me",
        "the orchestra played all night",
        "hey there how are you",
        "tell me the time",
    ];

    [Theory]
    [MemberData(nameof(WithWake))]
    public async Task Wake_phrase_is_spotted_while_the_utterance_is_still_being_heard(string text)
    {
        using var spotter = CreateSpotter();
        var audio = await fixture.Speech16kAsync(text, TestContext.Current.CancellationToken);
        var wakeEnd = SpeechEnd(await fixture.Speech16kAsync("hey orchestrator", TestContext.Current.CancellationToken));

        var spot = Feed(spotter, audio);

        Assert.NotNull(spot);
        Assert.Equal("hey orchestrator", spot!.Phrase);
        var lagMs = (spot.DetectedAtPosition - wakeEnd).TotalMilliseconds;
        output.WriteLine($"'{text}': wake phrase ends at {wakeEnd.TotalMilliseconds:F0} ms, reported at {spot.DetectedAtPosition.TotalMilliseconds:F0} ms of {audio.Length / 16.0:F0} ms (lag {lagMs:F0} ms)");

        // Reported from the audio heard so far, well before the utterance ends when a command follows.
        Assert.InRange(lagMs, -300, 300);
    }

    [Theory]
    [MemberData(nameof(WithoutWake))]
    public async Task Nothing_is_spotted_in_utterances_without_the_wake_phrase(string text)
    {
        using var spotter = CreateSpotter();
        var audio = await fixture.Speech16kAsync(text, TestContext.Current.CancellationToken);

        var spot = Feed(spotter, audio);

        Assert.Null(spot);
    }

    [Fact]
    public async Task A_decoder_is_reused_and_a_spotting_pass_forgets_the_previous_one()
    {
        using var spotter = CreateSpotter(poolSize: 1);
        var wake = await fixture.Speech16kAsync("hey orchestrator help", TestContext.Current.CancellationToken);
        var other = await fixture.Speech16kAsync("what time is it", TestContext.Current.CancellationToken);

        Assert.NotNull(Feed(spotter, wake));
        Assert.Null(Feed(spotter, other));
        Assert.NotNull(Feed(spotter, wake));
    }

    [Fact]
    public void All_decoders_busy_or_unknown_words_give_no_spotting_pass()
    {
        using var spotter = CreateSpotter(poolSize: 1);
        using (var first = spotter.Start(Wake))
        {
            Assert.NotNull(first);
            Assert.Null(spotter.Start(Wake));
        }

        Assert.Null(spotter.Start(["hey zqxwvbn"]));
        using var again = spotter.Start(Wake);
        Assert.NotNull(again);
    }

    [Fact]
    public void Invalid_options_are_refused()
    {
        var error = Assert.Throws<OptionsValidationException>(() => new PocketSphinxWakePhraseSpotter(
            Options.Create(new PocketSphinxOptions()),
            Options.Create(new WakePhraseSpotterOptions { KeyphraseThreshold = 2, DecoderPoolSize = 0 }),
            new StaticSpeechVocabularySource(SpeechFixture.Vocabulary),
            new TestOutputLogger<PocketSphinxWakePhraseSpotter>()));
        Assert.Contains("KeyphraseThreshold", error.Message, StringComparison.Ordinal);
        Assert.Contains("DecoderPoolSize", error.Message, StringComparison.Ordinal);
    }

    private PocketSphinxWakePhraseSpotter CreateSpotter(int poolSize = 2) => new(
        Options.Create(new PocketSphinxOptions { AcousticModelPath = fixture.AdaptedModelPath }),
        Options.Create(new WakePhraseSpotterOptions { DecoderPoolSize = poolSize }),
        new StaticSpeechVocabularySource(SpeechFixture.Vocabulary),
        new TestOutputLogger<PocketSphinxWakePhraseSpotter>());

    private static WakePhraseSpot? Feed(PocketSphinxWakePhraseSpotter spotter, short[] audio)
    {
        using var spotting = spotter.Start(Wake) ?? throw new InvalidOperationException("no spotting pass");
        for (var offset = 0; offset < audio.Length; offset += FrameSamples)
        {
            if (spotting.Process(audio.AsSpan(offset, Math.Min(FrameSamples, audio.Length - offset))) is { } spot)
            {
                return spot;
            }
        }

        // Trailing silence, as the segmenter would hear before the end of the utterance.
        var silence = new short[FrameSamples];
        for (var i = 0; i < 15; i++)
        {
            if (spotting.Process(silence) is { } spot)
            {
                return spot;
            }
        }

        return null;
    }

    /// <summary>End of the last 20 ms frame louder than -40 dBFS.</summary>
    private static TimeSpan SpeechEnd(short[] audio)
    {
        var last = 0;
        for (var offset = 0; offset + FrameSamples <= audio.Length; offset += FrameSamples)
        {
            if (PcmMath.RmsDbfs(audio.AsSpan(offset, FrameSamples)) > -40)
            {
                last = offset + FrameSamples;
            }
        }

        return TimeSpan.FromSeconds(last / 16000.0);
    }
}
