using static AudioOrchestrator.Audio.Tests.Vad.VadAudio;

namespace AudioOrchestrator.Audio.Tests.Vad;

public sealed class SileroVoiceActivityDetectorTests(SileroFixture fixture)
{
    private const string Sentence = "Hello there, please schedule a meeting with the design team for tomorrow morning.";
    private const int Frame = 320;

    [Fact]
    public void Hysteresis_switches_on_at_the_speech_threshold_and_off_below_the_silence_threshold()
    {
        var hysteresis = new SpeechHysteresis(0.5f, 0.35f);
        float[] probabilities = [0.1f, 0.49f, 0.5f, 0.4f, 0.35f, 0.349f, 0.45f, 0.9f, 0.2f];
        bool[] expected = [false, false, true, true, true, false, false, true, false];

        var actual = probabilities.Select(hysteresis.Update).ToArray();

        Assert.Equal(expected, actual);
        hysteresis.Reset();
        Assert.False(hysteresis.InSpeech);
    }

    [Fact]
    public void Twenty_millisecond_frames_are_buffered_into_windows_and_follow_the_stream_hysteresis()
    {
        var audio = Concat(WhiteNoise(16000, -50, seed: 1), fixture.Speech(Sentence), WhiteNoise(16000, -50, seed: 2));
        audio = audio[..(audio.Length / Frame * Frame)];
        var options = Options();
        using var detector = new SileroVoiceActivityDetector(fixture.Model, options);
        using var reference = new SileroVadStream(fixture.Model, options);
        var hysteresis = new SpeechHysteresis(options.SpeechThreshold, options.SilenceThreshold);
        var decisions = new List<bool>();

        for (var offset = 0; offset < audio.Length; offset += Frame)
        {
            var isSpeech = detector.IsSpeech(audio.AsSpan(offset, Frame));
            decisions.Add(isSpeech);
            var completedWindows = (offset + Frame) / Window;
            while (reference.Windows < completedWindows)
            {
                hysteresis.Update(reference.Process(audio.AsSpan((int)reference.Windows * Window, Window)));
            }

            Assert.Equal(hysteresis.InSpeech, isSpeech);
        }

        Assert.Equal(audio.Length / Window, detector.Stream.Windows);
        Assert.All(decisions.Take(45), Assert.False);
        Assert.All(decisions.TakeLast(10), Assert.False);
        Assert.Contains(true, decisions);
    }

    [Fact]
    public void The_segmenter_with_Silero_finds_the_spoken_sentence_and_ignores_loud_noise()
    {
        var speech = fixture.Speech(Sentence);
        var audio = Concat(WhiteNoise(16000, -30, seed: 4), speech, WhiteNoise(24000, -30, seed: 5));
        var segmenterOptions = new UtteranceSegmenterOptions();
        using var detector = new SileroVoiceActivityDetector(fixture.Model, Options());
        var segmenter = new UtteranceSegmenter(segmenterOptions, detector: detector);
        var completed = new List<SegmentedUtterance>();

        for (var offset = 0; offset + Frame <= audio.Length; offset += Frame)
        {
            segmenter.Push(audio.AsSpan(offset, Frame), completed);
        }

        if (segmenter.Flush() is { } last)
        {
            completed.Add(last);
        }

        TestContext.Current.TestOutputHelper?.WriteLine(string.Join("; ", completed.Select(u => $"{u.SpeechStart}..{u.SpeechEnd}")));

        var utterance = Assert.Single(completed);
        Assert.InRange(utterance.SpeechStart.TotalMilliseconds, 900, 1300);
        var speechEndMs = (16000 + speech.Length) / 16.0;
        Assert.InRange(utterance.SpeechEnd.TotalMilliseconds, speechEndMs - 400, speechEndMs + 300);
    }
}
