using static AudioOrchestrator.Audio.Tests.Vad.VadAudio;

namespace AudioOrchestrator.Audio.Tests.Vad;

public sealed class SileroVadStreamTests(SileroFixture fixture)
{
    private const string Sentence = "Hello there, please schedule a meeting with the design team for tomorrow morning.";
    private const string OtherSentence = "The quick brown fox jumps over the lazy dog near the river bank.";

    [Fact]
    public void Speech_gets_high_probabilities()
    {
        var speech = PadToWindows(fixture.Speech(Sentence));
        using var stream = new SileroVadStream(fixture.Model, Options(gateDbfs: PcmMath.SilenceDbfs));

        var probabilities = Probabilities(stream, speech);

        var speechy = probabilities.Count(p => p >= 0.5f) / (double)probabilities.Length;
        TestContext.Current.TestOutputHelper?.WriteLine($"{probabilities.Length} windows, {speechy:P0} >= 0.5, max {probabilities.Max():F3}, mean {probabilities.Average():F3}");
        Assert.True(speechy >= 0.6, $"only {speechy:P0} of the speech windows reached 0.5");
        Assert.True(probabilities.Max() > 0.9f, $"max probability {probabilities.Max()}");
    }

    [Theory]
    [InlineData(PcmMath.SilenceDbfs)]
    [InlineData(-60.0)]
    [InlineData(-45.0)]
    public void Silence_and_low_white_noise_get_low_probabilities(double noiseDbfs)
    {
        var noise = noiseDbfs <= PcmMath.SilenceDbfs ? new short[Window * 60] : WhiteNoise(Window * 60, noiseDbfs, seed: 7);
        using var stream = new SileroVadStream(fixture.Model, Options(gateDbfs: PcmMath.SilenceDbfs));

        var probabilities = Probabilities(stream, noise);

        TestContext.Current.TestOutputHelper?.WriteLine($"max {probabilities.Max():F4}, mean {probabilities.Average():F4}");
        Assert.Equal(60, stream.Inferences);
        Assert.True(probabilities.Max() < 0.2f, $"max probability {probabilities.Max()} on {noiseDbfs} dBFS");
    }

    [Fact]
    public void Adaptive_gate_skips_steady_noise_between_utterances_but_not_speech()
    {
        var noise = WhiteNoise(Window * 100, -40, seed: 11);
        var speech = PadToWindows(fixture.Speech(Sentence));
        var noisySpeech = new short[speech.Length];
        var bed = WhiteNoise(speech.Length, -40, seed: 12);
        for (var i = 0; i < speech.Length; i++)
        {
            noisySpeech[i] = (short)Math.Clamp(speech[i] + bed[i], short.MinValue, short.MaxValue);
        }

        using var gated = new SileroVadStream(fixture.Model, new SileroVadOptions { AdaptiveGateMarginDb = 6 });
        var onNoise = Probabilities(gated, noise);
        var noiseInferences = gated.Inferences;
        var onSpeech = Probabilities(gated, noisySpeech);

        Assert.InRange(gated.NoiseFloorDbfs, -43, -39);
        Assert.True(noiseInferences < 40, $"{noiseInferences} of 100 noise windows were inferred");
        Assert.True(onNoise.Max() < 0.5f);
        Assert.True(onSpeech.Count(p => p >= 0.5f) >= onSpeech.Length / 2, "speech in the noise was gated away");
    }

    [Theory]
    [InlineData(-1.0)]
    [InlineData(41.0)]
    [InlineData(double.NaN)]
    public void Adaptive_gate_margin_out_of_range_is_refused(double margin) =>
        Assert.Contains(new SileroVadOptions { AdaptiveGateMarginDb = margin }.Validate(), p => p.StartsWith("AdaptiveGateMarginDb", StringComparison.Ordinal));

    [Fact]
    public void Speech_after_silence_rises_and_falls_back_after_it()
    {
        var audio = Concat(new short[Window * 30], PadToWindows(fixture.Speech(Sentence)), new short[Window * 40]);
        using var stream = new SileroVadStream(fixture.Model, Options(gateDbfs: PcmMath.SilenceDbfs));

        var probabilities = Probabilities(stream, audio);

        Assert.True(probabilities[..30].Max() < 0.1f);
        Assert.True(probabilities[30..^40].Max() > 0.9f);
        Assert.True(probabilities[^20..].Max() < 0.1f, $"tail max {probabilities[^20..].Max()}");
    }

    [Fact]
    public void State_is_per_stream_interleaving_two_streams_equals_running_each_alone()
    {
        var a = PadToWindows(fixture.Speech(Sentence));
        var b = PadToWindows(Concat(WhiteNoise(Window * 5, -40, seed: 3), fixture.Speech(OtherSentence)));
        var windows = Math.Min(a.Length, b.Length) / Window;
        float[] aloneA, aloneB;
        using (var stream = new SileroVadStream(fixture.Model, Options()))
        {
            aloneA = Probabilities(stream, a.AsSpan(0, windows * Window));
        }

        using (var stream = new SileroVadStream(fixture.Model, Options()))
        {
            aloneB = Probabilities(stream, b.AsSpan(0, windows * Window));
        }

        using var streamA = new SileroVadStream(fixture.Model, Options());
        using var streamB = new SileroVadStream(fixture.Model, Options());
        for (var i = 0; i < windows; i++)
        {
            Assert.Equal(aloneA[i], streamA.Process(a.AsSpan(i * Window, Window)), 1e-6f);
            Assert.Equal(aloneB[i], streamB.Process(b.AsSpan(i * Window, Window)), 1e-6f);
        }

        Assert.NotEqual(aloneA, aloneB);
    }

    [Fact]
    public void Reset_forgets_the_state()
    {
        var speech = PadToWindows(fixture.Speech(Sentence));
        using var stream = new SileroVadStream(fixture.Model, Options());
        var first = Probabilities(stream, speech);

        stream.Reset();
        var second = Probabilities(stream, speech);

        Assert.Equal(first, second);
        Assert.Equal(speech.Length / Window, stream.Windows);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(5)]
    [InlineData(16)]
    public void Batched_results_equal_unbatched_ones(int capacity)
    {
        const int Speakers = 7;
        var audio = Enumerable.Range(0, Speakers).Select(s => PadToWindows(s switch
        {
            0 => fixture.Speech(Sentence),
            1 => fixture.Speech(OtherSentence),
            2 => Concat(new short[Window * 10], fixture.Speech(Sentence)), // gated at first
            3 => WhiteNoise(Window * 200, -30, seed: s),
            _ => Concat(WhiteNoise(Window * s, -50, seed: s), fixture.Speech(s % 2 == 0 ? Sentence : OtherSentence)),
        })).ToArray();
        var windows = audio.Min(a => a.Length) / Window;

        var expected = audio.Select(a =>
        {
            using var stream = new SileroVadStream(fixture.Model, Options());
            return Probabilities(stream, a.AsSpan(0, windows * Window));
        }).ToArray();

        var streams = audio.Select(_ => new SileroVadStream(fixture.Model, Options())).ToArray();
        using var batch = new SileroVadBatch(fixture.Model, capacity);
        var block = new short[Speakers * Window];
        var probabilities = new float[Speakers];
        try
        {
            for (var w = 0; w < windows; w++)
            {
                for (var s = 0; s < Speakers; s++)
                {
                    audio[s].AsSpan(w * Window, Window).CopyTo(block.AsSpan(s * Window));
                }

                batch.Process(streams, block, probabilities);
                for (var s = 0; s < Speakers; s++)
                {
                    Assert.Equal(expected[s][w], probabilities[s], 1e-4f);
                }
            }

            Assert.Equal(expected[2].Take(10), Enumerable.Repeat(0f, 10));
            var loud = Enumerable.Range(0, windows).Count(w => PcmMath.RmsDbfs(audio[2].AsSpan(w * Window, Window)) >= -60);
            Assert.True(loud <= windows - 10);
            Assert.Equal(loud, streams[2].Inferences);
            Assert.True(batch.Runs >= windows);
        }
        finally
        {
            foreach (var stream in streams)
            {
                stream.Dispose();
            }
        }
    }

    [Fact]
    public void A_batch_refuses_a_stream_twice_and_streams_of_another_model()
    {
        using var stream = new SileroVadStream(fixture.Model, Options());
        using var batch = new SileroVadBatch(fixture.Model, 4);
        var probabilities = new float[2];

        Assert.Throws<ArgumentException>(() => batch.Process([stream, stream], new short[2 * Window], probabilities));
        Assert.Throws<ArgumentException>(() => batch.Process([stream], new short[Window - 1], probabilities));
        Assert.Throws<ArgumentException>(() => stream.Process(new short[320]));
    }

    [Fact]
    public void The_energy_gate_skips_quiet_windows_without_inference()
    {
        var audio = Concat(new short[Window * 20], WhiteNoise(Window * 10, -75, seed: 1), PadToWindows(fixture.Speech(Sentence)), new short[Window * 10]);
        var total = audio.Length / Window;
        var quiet = Enumerable.Range(0, total).Count(i => PcmMath.RmsDbfs(audio.AsSpan(i * Window, Window)) < -60);
        using var stream = new SileroVadStream(fixture.Model, Options(gateDbfs: -60));

        var probabilities = Probabilities(stream, audio);

        Assert.True(quiet >= 40, $"{quiet} quiet windows");
        Assert.Equal(total, stream.Windows);
        Assert.Equal(total - quiet, stream.Inferences);
        Assert.All(probabilities[..30], p => Assert.Equal(0f, p));
        Assert.True(probabilities.Max() > 0.9f);
    }

    [Fact]
    public void A_gated_window_still_becomes_the_context_of_the_next_one()
    {
        var gated = WhiteNoise(Window, -70, seed: 5);
        using var stream = new SileroVadStream(fixture.Model, Options(gateDbfs: -60));
        using var inference = new SileroVadInference(fixture.Model, capacity: 1);

        Assert.Equal(0f, stream.Process(gated));
        Assert.Equal(0, stream.Inferences);
        var next = WhiteNoise(Window, -20, seed: 6);
        Assert.False(stream.Gate(next));
        stream.Prepare(inference, rows: 1, row: 0, next);

        var row = inference.InputRow(0);
        for (var i = 0; i < SileroVadModel.ContextSamples; i++)
        {
            Assert.Equal(gated[Window - SileroVadModel.ContextSamples + i] / 32768f, row[i]);
        }

        Assert.Equal(next[0] / 32768f, row[SileroVadModel.ContextSamples]);
    }
}
