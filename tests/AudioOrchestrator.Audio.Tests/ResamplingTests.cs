using AudioOrchestrator.Audio.Tests.Support;

namespace AudioOrchestrator.Audio.Tests;

public sealed class ResamplingTests
{
    private static short[] StreamThrough(StreamingResampler resampler, short[] input, int chunkSamples)
    {
        var output = new List<short>();
        var buffer = new short[resampler.MaxOutputSamples(chunkSamples)];
        for (var offset = 0; offset < input.Length; offset += chunkSamples)
        {
            var chunk = input.AsSpan(offset, Math.Min(chunkSamples, input.Length - offset));
            var written = resampler.Process(chunk, buffer);
            Assert.Equal(0, written % resampler.Channels);
            output.AddRange(buffer.AsSpan(0, written));
        }

        int flushed;
        while ((flushed = resampler.Flush(buffer)) > 0)
        {
            output.AddRange(buffer.AsSpan(0, flushed));
        }

        return [.. output];
    }

    [Theory]
    [InlineData(48000, 16000, 1)]
    [InlineData(16000, 48000, 1)]
    [InlineData(44100, 16000, 2)]
    public void Streaming_output_length_follows_the_rate_ratio(int inputRate, int outputRate, int channels)
    {
        using var resampler = new StreamingResampler(inputRate, outputRate, channels);
        var input = Signals.Chirp(100, 3000, 2, inputRate, channels: channels);

        var output = StreamThrough(resampler, input, AudioFormat.SamplesPerFrame(inputRate) * channels);

        var expectedFrames = 2.0 * outputRate;
        Assert.InRange(output.Length / channels, expectedFrames - 2, expectedFrames + 2);
    }

    [Fact]
    public void Streaming_matches_one_shot_within_tolerance()
    {
        var input = Signals.Chirp(100, 3000, 2, 48000);
        var oneShot = new PcmAudio(input, 48000, 1).ResampleTo(16000).Samples;
        using var resampler = new StreamingResampler(48000, 16000, 1);

        var streamed = StreamThrough(resampler, input, 960);

        Assert.InRange(streamed.Length, oneShot.Length - 2, oneShot.Length + 2);
        var (correlation, lag) = Signals.BestAlignment(oneShot.AsSpan(100), streamed.AsSpan(100), maxLag: 10, length: oneShot.Length - 300);
        Assert.Equal(0, lag);
        Assert.True(correlation > 0.9999, $"correlation {correlation}");
        var maxDifference = oneShot.Zip(streamed).Skip(100).Take(oneShot.Length - 300).Max(p => Math.Abs(p.First - p.Second));
        Assert.True(maxDifference <= 4, $"max sample difference {maxDifference}");
    }

    [Fact]
    public void Odd_chunk_sizes_give_the_same_result_as_frames()
    {
        var input = Signals.Chirp(200, 1000, 1, 16000);
        using var framed = new StreamingResampler(16000, 48000, 1);
        using var ragged = new StreamingResampler(16000, 48000, 1);

        var a = StreamThrough(framed, input, 320);
        var b = StreamThrough(ragged, input, 77);

        Assert.Equal(a.Length, b.Length);
        Assert.True(a.Zip(b).All(p => Math.Abs(p.First - p.Second) <= 1));
    }

    [Fact]
    public void One_flush_drains_everything_when_the_buffer_is_sized_for_a_packet()
    {
        using var resampler = new StreamingResampler(48000, 16000, 1);
        var input = Signals.Chirp(100, 3000, 1, 48000);
        var buffer = new short[resampler.MaxOutputSamples(5760)];
        var total = 0;
        for (var offset = 0; offset < input.Length; offset += 960)
        {
            total += resampler.Process(input.AsSpan(offset, 960), buffer);
        }

        total += resampler.Flush(buffer);

        Assert.Equal(0, resampler.Flush(buffer));
        Assert.InRange(total, 15999, 16001);
    }

    [Fact]
    public void Process_rejects_an_output_span_smaller_than_the_bound()
    {
        using var resampler = new StreamingResampler(16000, 48000, 1);

        var error = Assert.Throws<ArgumentException>(() => resampler.Process(new short[320], new short[960]));

        Assert.Contains("MaxOutputSamples", error.Message);
        Assert.True(resampler.MaxOutputSamples(320) >= 960);
    }

    [Fact]
    public void Process_after_flush_requires_reset()
    {
        using var resampler = new StreamingResampler(16000, 8000, 1);
        var buffer = new short[1000];
        resampler.Process(new short[320], buffer);
        while (resampler.Flush(buffer) > 0)
        {
        }

        Assert.Throws<InvalidOperationException>(() => resampler.Process(new short[320], buffer));
        resampler.Reset();
        Assert.InRange(resampler.Process(new short[320], buffer), 0, resampler.MaxOutputSamples(320));
    }

    [Fact]
    public void Resample_to_same_rate_returns_same_instance()
    {
        var audio = new PcmAudio([1, 2, 3], 16000, 1);

        Assert.Same(audio, audio.ResampleTo(16000));
        Assert.Same(audio, audio.ToMono());
    }

    [Fact]
    public void One_shot_upsampling_keeps_duration_and_tone()
    {
        var audio = new PcmAudio(Signals.Sine(1000, 8000, 8000, channels: 2), 8000, 2);

        var up = audio.ResampleTo(48000);

        Assert.Equal(2, up.Channels);
        Assert.Equal(TimeSpan.FromSeconds(1), up.Duration);
        var left = up.Samples.Where((_, i) => i % 2 == 0).ToArray();
        var expected = Signals.Sine(1000, 48000, 48000);
        Assert.True(Signals.SnrDb(expected.AsSpan(2000, 40000), left.AsSpan(2000, 40000)) > 40);
    }

    [Fact]
    public void Silence_has_requested_duration_and_channels()
    {
        var silence = PcmAudio.Silence(TimeSpan.FromMilliseconds(250), 16000, channels: 2);

        Assert.Equal(8000, silence.Samples.Length);
        Assert.Equal(4000, silence.FrameCount);
        Assert.Equal(TimeSpan.FromMilliseconds(250), silence.Duration);
        Assert.All(silence.Samples, s => Assert.Equal(0, s));
    }

    [Fact]
    public void PcmAudio_rejects_partial_frames()
    {
        Assert.Throws<ArgumentException>(() => new PcmAudio([1, 2, 3], 16000, 2));
        Assert.Throws<ArgumentOutOfRangeException>(() => new PcmAudio([1, 2], 0, 2));
    }

    [Fact]
    public void PcmAudio_equality_compares_samples()
    {
        Assert.Equal(new PcmAudio([1, 2], 16000, 1), new PcmAudio([1, 2], 16000, 1));
        Assert.NotEqual(new PcmAudio([1, 2], 16000, 1), new PcmAudio([1, 3], 16000, 1));
        Assert.NotEqual(new PcmAudio([1, 2], 16000, 1), new PcmAudio([1, 2], 16000, 2));
    }
}
