using System.Diagnostics.Metrics;
using AudioOrchestrator.Audio;
using AudioOrchestrator.Contracts;
using AudioOrchestrator.Grains.Speakers;
using AudioOrchestrator.Grains.WakeWords;
using AudioOrchestrator.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace AudioOrchestrator.Grains.Tests.Speakers;

/// <summary>Wake gate, speech-to-text and timings of one utterance, on the tone speech-to-text double.</summary>
public sealed class UtteranceRecognizerTests
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly SpeakerRef Alice = new("recognizer-session", "alice");
    private readonly ToneSpeechToText _stt = new();
    private readonly FakeTimeProvider _clock = new(T0);

    private UtteranceRecognizer Recognizer(WakeMode mode) => new(
        Alice,
        SpeakerInputTests.Settings(mode),
        new WakeGate(),
        _stt,
        new PipelineMetrics(new ServiceCollection().AddMetrics().BuildServiceProvider().GetRequiredService<IMeterFactory>()),
        _clock,
        NullLogger<UtteranceRecognizer>.Instance);

    /// <summary>The utterance of a question tone, as an upload input hears it.</summary>
    private static (SpeakerInput Input, SegmentedUtterance Segment) Heard(double hz, WakeMode mode = WakeMode.AlwaysListening)
    {
        var input = SpeakerInputTests.Open(live: false, "upload-1", T0, SpeakerInputTests.Settings(mode));
        var packets = SpeakerInputTests.Packets(TestAudio.Question(hz));
        var utterances = input.PushPackets(0, packets, T0, T0).Utterances.Concat(input.Flush(T0).Utterances).ToList();
        return (input, Assert.Single(utterances));
    }

    [Fact]
    public async Task An_utterance_becomes_an_utterance_for_the_session_with_its_timings()
    {
        var (input, segment) = Heard(660);
        using (input)
        {
            _clock.Advance(TimeSpan.FromMilliseconds(40));
            var heard = await Recognizer(WakeMode.AlwaysListening).RecognizeAsync(input, segment, ahead: false, TestContext.Current.CancellationToken);

            Assert.NotNull(heard);
            Assert.Equal(("what time is it", "what time is it", "upload-1"), (heard!.Utterance.Transcript, heard.TextForAgents, heard.Utterance.CorrelationId));
            Assert.Equal(Alice, heard.Utterance.Speaker);
            var timings = heard.Utterance.Timings;
            Assert.Equal(T0 + segment.SpeechStart, timings.SpeechStartedAt);
            Assert.Equal(T0 + TimeSpan.FromMilliseconds(40), timings.EndOfUtteranceAt);
            Assert.Null(timings.WakePhrase);
        }
    }

    [Fact]
    public async Task A_required_wake_phrase_is_stripped_and_speech_without_one_is_dropped()
    {
        var recognizer = Recognizer(WakeMode.WakeRequired);
        var (wake, wakeSegment) = Heard(1320, WakeMode.WakeRequired);
        var (plain, plainSegment) = Heard(440, WakeMode.WakeRequired);
        using (wake)
        using (plain)
        {
            var notAddressed = await recognizer.RecognizeAsync(plain, plainSegment, ahead: false, TestContext.Current.CancellationToken);
            var addressed = await recognizer.RecognizeAsync(wake, wakeSegment, ahead: false, TestContext.Current.CancellationToken);
            var followUp = await recognizer.RecognizeAsync(plain, plainSegment, ahead: false, TestContext.Current.CancellationToken);

            Assert.Equal("echo wake words work", addressed!.TextForAgents);
            Assert.Equal("hey orchestrator", addressed.Utterance.Timings.WakePhrase);
            Assert.Null(notAddressed);
            Assert.Equal("echo hello world", followUp!.TextForAgents); // the wake phrase opened the conversation window
        }
    }

    [Fact]
    public async Task Speech_without_words_is_dropped()
    {
        var (input, segment) = Heard(3000); // no phrase is bound to 3 kHz
        using (input)
        {
            Assert.Null(await Recognizer(WakeMode.AlwaysListening).RecognizeAsync(input, segment, ahead: false, TestContext.Current.CancellationToken));
            Assert.Equal(1, _stt.Calls);
        }
    }

    [Fact]
    public async Task A_prepared_utterance_is_finalized_with_the_real_end_of_the_utterance()
    {
        var (input, segment) = Heard(660);
        using (input)
        {
            var recognizer = Recognizer(WakeMode.AlwaysListening);
            var prepared = await recognizer.RecognizeAsync(input, segment, ahead: true, TestContext.Current.CancellationToken);
            _clock.Advance(TimeSpan.FromMilliseconds(300));

            var final = recognizer.Finalize(prepared!, segment);

            Assert.Equal(prepared!.Utterance.UtteranceId, final.Utterance.UtteranceId);
            Assert.Equal(T0 + TimeSpan.FromMilliseconds(300), final.Utterance.Timings.EndOfUtteranceAt);
        }
    }
}
