using AudioOrchestrator.Audio.Tests.Support;
using Microsoft.Extensions.Options;

namespace AudioOrchestrator.Audio.Tests;

public sealed class UtteranceSegmenterTests
{
    private const int Rate = 16000;
    private static readonly TimeSpan Tolerance = TimeSpan.FromMilliseconds(40);

    private static List<SegmentedUtterance> PushInChunks(UtteranceSegmenter segmenter, short[] samples, int chunk)
    {
        var completed = new List<SegmentedUtterance>();
        for (var offset = 0; offset < samples.Length; offset += chunk)
        {
            segmenter.Push(samples.AsSpan(offset, Math.Min(chunk, samples.Length - offset)), completed);
        }

        return completed;
    }

    private static void AssertNear(TimeSpan expected, TimeSpan actual, string what) =>
        Assert.True((expected - actual).Duration() <= Tolerance, $"{what}: expected {expected.TotalMilliseconds} ms, got {actual.TotalMilliseconds} ms");

    [Fact]
    public void Tone_bursts_separated_by_silence_become_one_utterance_each()
    {
        var signal = new SignalBuilder().Quiet(1010).Tone(500).Quiet(1000).Tone(830).Quiet(1200).Tone(310).Quiet(1000);
        var segmenter = new UtteranceSegmenter(new UtteranceSegmenterOptions());

        var utterances = PushInChunks(segmenter, signal.ToArray(), chunk: 123);

        Assert.Equal(3, utterances.Count);
        for (var i = 0; i < 3; i++)
        {
            var (start, end) = signal.Bursts[i];
            var utterance = utterances[i];
            AssertNear(start, utterance.SpeechStart, $"start {i}");
            AssertNear(end, utterance.SpeechEnd, $"end {i}");
            AssertNear(end + TimeSpan.FromMilliseconds(new UtteranceSegmenterOptions().EndOfUtteranceSilenceMs), utterance.DecidedAt, $"decision {i}");
            Assert.Equal(Rate, utterance.SampleRate);
        }

        Assert.Null(segmenter.Flush());
        Assert.Equal(signal.Length, segmenter.Position);
    }

    [Fact]
    public void Utterance_samples_include_pre_roll_and_trailing_silence()
    {
        var signal = new SignalBuilder().Quiet(1000).Tone(500).Quiet(1000);
        var samples = signal.ToArray();
        var segmenter = new UtteranceSegmenter(new UtteranceSegmenterOptions { PreRollMs = 300 });

        var utterance = Assert.Single(PushInChunks(segmenter, samples, chunk: 320));

        var expectedLength = (utterance.DecidedAt - utterance.SpeechStart + TimeSpan.FromMilliseconds(300)).Ticks * Rate / TimeSpan.TicksPerSecond;
        Assert.Equal(expectedLength, utterance.Samples.Length);
        var audioStart = (int)(utterance.AudioStart.Ticks * Rate / TimeSpan.TicksPerSecond);
        Assert.Equal(samples.AsSpan(audioStart, utterance.Samples.Length).ToArray(), utterance.Samples);
        Assert.True(PcmMath.RmsDbfs(utterance.Samples.AsSpan(0, 4000)) < -60, "pre-roll is the quiet lead-in");
        Assert.True(PcmMath.RmsDbfs(utterance.Samples.AsSpan(5000, 4000)) > -20, "then the tone");
        Assert.True(PcmMath.RmsDbfs(utterance.Samples.AsSpan(utterance.Samples.Length - 4000)) < -60, "trailing silence up to the decision");
    }

    [Fact]
    public void Pre_roll_is_limited_by_the_start_of_the_stream()
    {
        var signal = new SignalBuilder().Quiet(100).Tone(400).Quiet(800);
        var segmenter = new UtteranceSegmenter(new UtteranceSegmenterOptions { PreRollMs = 300 });

        var utterance = Assert.Single(PushInChunks(segmenter, signal.ToArray(), chunk: 1000));

        Assert.Equal(TimeSpan.Zero, utterance.AudioStart);
        AssertNear(TimeSpan.FromMilliseconds(100), utterance.SpeechStart, "start");
    }

    [Fact]
    public void Long_speech_is_cut_at_max_utterance_length()
    {
        var signal = new SignalBuilder().Quiet(500).Tone(7000).Quiet(1000);
        var segmenter = new UtteranceSegmenter(new UtteranceSegmenterOptions { MaxUtteranceMs = 3000, PreRollMs = 200, EndOfUtteranceSilenceMs = 600 });

        var utterances = PushInChunks(segmenter, signal.ToArray(), chunk: 480);

        Assert.Equal(3, utterances.Count);
        AssertNear(TimeSpan.FromMilliseconds(500), utterances[0].SpeechStart, "first start");
        Assert.Equal(utterances[0].SpeechStart + TimeSpan.FromSeconds(3), utterances[0].DecidedAt);
        Assert.Equal((3000 + 200) * Rate / 1000, utterances[0].Samples.Length);
        Assert.Equal(utterances[0].DecidedAt, utterances[1].SpeechStart);
        Assert.Equal(3 * Rate, utterances[1].Samples.Length);
        Assert.Equal(utterances[1].DecidedAt, utterances[2].SpeechStart);
        AssertNear(TimeSpan.FromMilliseconds(7500), utterances[2].SpeechEnd, "last end");
        AssertNear(TimeSpan.FromMilliseconds(8100), utterances[2].DecidedAt, "last decision");
    }

    [Fact]
    public void Silence_and_quiet_noise_produce_nothing()
    {
        var signal = new SignalBuilder(noiseDbfs: -60).Quiet(5000);
        var segmenter = new UtteranceSegmenter(new UtteranceSegmenterOptions());
        var digitalSilence = new short[Rate * 2];

        var utterances = PushInChunks(segmenter, signal.ToArray(), chunk: 700);
        segmenter.Push(digitalSilence, utterances);

        Assert.Empty(utterances);
        Assert.False(segmenter.InSpeech);
        Assert.Null(segmenter.Flush());
        Assert.Equal(TimeSpan.FromSeconds(7), segmenter.Position);
    }

    [Fact]
    public void Flush_closes_an_open_utterance()
    {
        var signal = new SignalBuilder().Quiet(400).Tone(1000).Quiet(250);
        var segmenter = new UtteranceSegmenter(new UtteranceSegmenterOptions());

        var utterances = PushInChunks(segmenter, signal.ToArray(), chunk: 333);

        Assert.Empty(utterances);
        Assert.True(segmenter.InSpeech);
        var utterance = segmenter.Flush();
        Assert.NotNull(utterance);
        AssertNear(TimeSpan.FromMilliseconds(400), utterance.SpeechStart, "start");
        AssertNear(TimeSpan.FromMilliseconds(1400), utterance.SpeechEnd, "end");
        Assert.Equal(signal.Length, utterance.DecidedAt);
        Assert.Equal(utterance.SpeechStart - TimeSpan.FromMilliseconds(300), utterance.AudioStart);
        Assert.Equal((signal.Length - utterance.AudioStart).Ticks * Rate / TimeSpan.TicksPerSecond, utterance.Samples.Length);
        Assert.False(segmenter.InSpeech);
        Assert.Null(segmenter.Flush());
    }

    [Fact]
    public void Flush_drops_an_open_utterance_shorter_than_min_speech()
    {
        var signal = new SignalBuilder().Quiet(400).Tone(60);
        var segmenter = new UtteranceSegmenter(new UtteranceSegmenterOptions());

        Assert.Empty(PushInChunks(segmenter, signal.ToArray(), chunk: 320));
        Assert.False(segmenter.InSpeech);
        Assert.Null(segmenter.Flush());
    }

    [Fact]
    public void Clicks_shorter_than_min_speech_are_ignored()
    {
        var signal = new SignalBuilder().Quiet(500);
        for (var i = 0; i < 5; i++)
        {
            signal.Tone(40, dbfs: -6).Quiet(900);
        }

        signal.Tone(300).Quiet(800);
        var segmenter = new UtteranceSegmenter(new UtteranceSegmenterOptions { MinSpeechMs = 100 });

        var utterance = Assert.Single(PushInChunks(segmenter, signal.ToArray(), chunk: 160));

        AssertNear(signal.Bursts[5].Start, utterance.SpeechStart, "the real utterance");
    }

    [Fact]
    public void Adaptive_noise_floor_raises_the_threshold_above_steady_noise()
    {
        // Noise at -52 dBFS is below the -45 dBFS threshold, so the floor adapts to it and speech must exceed about -40 dBFS.
        var signal = new SignalBuilder(noiseDbfs: -52).Quiet(3000).Tone(500, dbfs: -43).Quiet(1000).Tone(500, dbfs: -25).Quiet(1000);
        var segmenter = new UtteranceSegmenter(new UtteranceSegmenterOptions());

        var utterance = Assert.Single(PushInChunks(segmenter, signal.ToArray(), chunk: 320));

        AssertNear(signal.Bursts[1].Start, utterance.SpeechStart, "only the loud burst");
    }

    [Fact]
    public void Energy_detector_tracks_noise_floor()
    {
        var detector = new EnergyVoiceActivityDetector(new UtteranceSegmenterOptions());
        var noise = new SignalBuilder(noiseDbfs: -50).Quiet(2000).ToArray();

        for (var i = 0; i + 320 <= noise.Length; i += 320)
        {
            Assert.False(detector.IsSpeech(noise.AsSpan(i, 320)));
        }

        Assert.InRange(detector.NoiseFloorDbfs, -53, -49);
        Assert.InRange(detector.CurrentThresholdDbfs, -41, -37);
    }

    [Fact]
    public void Custom_detector_is_used_on_20_ms_frames()
    {
        var detector = new ScriptedDetector(frame => frame[0] == 1);
        var segmenter = new UtteranceSegmenter(new UtteranceSegmenterOptions { MinSpeechMs = 40, EndOfUtteranceSilenceMs = 100, PreRollMs = 0 }, sampleRate: 8000, detector);
        var stream = new short[160 * 20];
        for (var frame = 5; frame < 8; frame++)
        {
            stream[frame * 160] = 1;
        }

        var utterances = PushInChunks(segmenter, stream, chunk: 50);

        Assert.All(detector.FrameLengths, length => Assert.Equal(160, length));
        Assert.Equal(20, detector.FrameLengths.Count);
        var utterance = Assert.Single(utterances);
        Assert.Equal(TimeSpan.FromMilliseconds(100), utterance.SpeechStart);
        Assert.Equal(TimeSpan.FromMilliseconds(160), utterance.SpeechEnd);
        Assert.Equal(TimeSpan.FromMilliseconds(260), utterance.DecidedAt);
        Assert.Equal(160 * 8, utterance.Samples.Length);
    }

    [Fact]
    public void Invalid_options_are_all_listed()
    {
        var options = new UtteranceSegmenterOptions { SpeechThresholdDbfs = 3, MinSpeechMs = 0, EndOfUtteranceSilenceMs = 5, PreRollMs = -1, MaxUtteranceMs = 10 };

        var problems = options.Validate();

        Assert.Equal(5, problems.Count);
        Assert.Contains(problems, p => p.StartsWith("SpeechThresholdDbfs", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("MinSpeechMs", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("EndOfUtteranceSilenceMs", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("PreRollMs", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("MaxUtteranceMs", StringComparison.Ordinal));
        var error = Assert.Throws<ArgumentException>(() => new UtteranceSegmenter(options));
        Assert.Contains("PreRollMs must be between 0 and 10000 ms (was -1)", error.Message);
        var result = new UtteranceSegmenterOptionsValidator().Validate(null, options);
        Assert.True(result.Failed);
        Assert.Equal(5, result.Failures!.Count());
        Assert.Empty(new UtteranceSegmenterOptions().Validate());
        Assert.Equal(ValidateOptionsResult.Success, new UtteranceSegmenterOptionsValidator().Validate(null, new UtteranceSegmenterOptions()));
    }

    private sealed class ScriptedDetector(Func<short[], bool> rule) : IVoiceActivityDetector
    {
        public List<int> FrameLengths { get; } = [];

        public bool IsSpeech(ReadOnlySpan<short> frame)
        {
            FrameLengths.Add(frame.Length);
            return rule(frame.ToArray());
        }
    }

    [Fact]
    public void After_a_short_silence_the_open_utterance_is_offered_tentatively_until_speech_resumes_or_it_ends()
    {
        var segmenter = new UtteranceSegmenter(new UtteranceSegmenterOptions { PreemptiveSilenceMs = 200, EndOfUtteranceSilenceMs = 500 });
        var completed = new List<SegmentedUtterance>();
        var signal = new SignalBuilder().Quiet(300).Tone(400);

        segmenter.Push(signal.ToArray(), completed);
        segmenter.Push(new short[Rate * 180 / 1000], completed);
        Assert.Null(segmenter.Tentative); // 180 ms of silence: not yet

        segmenter.Push(new short[Rate * 40 / 1000], completed);
        var tentative = segmenter.Tentative;
        Assert.NotNull(tentative);
        Assert.Empty(completed);
        AssertNear(TimeSpan.FromMilliseconds(700), tentative!.SpeechEnd, "tentative speech end");

        segmenter.Push(new SignalBuilder().Tone(200).ToArray(), completed);
        Assert.Null(segmenter.Tentative); // the speaker went on

        segmenter.Push(new short[Rate * 250 / 1000], completed);
        var again = segmenter.Tentative;
        Assert.NotNull(again);
        segmenter.Push(new short[Rate * 300 / 1000], completed);

        var final = Assert.Single(completed);
        Assert.Null(segmenter.Tentative);
        Assert.Equal(again!.SpeechEnd, final.SpeechEnd); // what was offered is what ended
        Assert.Equal(again.Samples, final.Samples.AsSpan(0, again.Samples.Length).ToArray());
    }

    [Fact]
    public void Without_a_preemptive_silence_nothing_is_offered_and_a_bad_one_is_refused()
    {
        var segmenter = new UtteranceSegmenter(new UtteranceSegmenterOptions());
        var completed = new List<SegmentedUtterance>();
        segmenter.Push(new SignalBuilder().Tone(400).Quiet(450).ToArray(), completed);

        Assert.Null(segmenter.Tentative);
        Assert.Contains(new UtteranceSegmenterOptions { PreemptiveSilenceMs = 500 }.Validate(), p => p.StartsWith("PreemptiveSilenceMs", StringComparison.Ordinal));
        Assert.Contains(new UtteranceSegmenterOptions { PreemptiveSilenceMs = 5 }.Validate(), p => p.StartsWith("PreemptiveSilenceMs", StringComparison.Ordinal));
        Assert.Empty(new UtteranceSegmenterOptions { PreemptiveSilenceMs = 200 }.Validate());
    }
}
