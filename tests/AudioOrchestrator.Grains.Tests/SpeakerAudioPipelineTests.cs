using AudioOrchestrator.Audio;
using AudioOrchestrator.Grains.Speakers;
using AudioOrchestrator.Testing;

namespace AudioOrchestrator.Grains.Tests;

/// <summary>The SpeakerGrain's per-input chain on real libopus/libsoxr with the energy detector: batches, rate guard, bad packets.</summary>
public sealed class SpeakerAudioPipelineTests
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    /// <summary>A spoken tone between silences (300 ms + 800 ms + 900 ms = 100 packets of 20 ms).</summary>
    private static byte[][] QuestionPackets()
    {
        var pcm = TestAudio.Question(440).ResampleTo(48000).Samples;
        using var encoder = new OpusEncoder(48000, 1);
        var packet = new byte[OpusEncoder.MaxPacketSize];
        return [.. Enumerable.Range(0, pcm.Length / 960).Select(i => packet.AsSpan(0, encoder.Encode(pcm.AsSpan(i * 960, 960), packet)).ToArray())];
    }

    private static IEnumerable<(long First, byte[][] Frames)> InBatches(byte[][] packets, long firstSequence, int size = 5) =>
        packets.Chunk(size).Select((chunk, i) => (firstSequence + (i * size), chunk));

    [Fact]
    public void Live_batches_in_real_time_pass_whole_and_give_one_utterance()
    {
        using var pipeline = new SpeakerAudioPipeline(new UtteranceSegmenterOptions());
        var completed = new List<SegmentedUtterance>();
        var batch = 0;

        foreach (var (first, frames) in InBatches(QuestionPackets(), firstSequence: 65_530))
        {
            var outcome = pipeline.PushBatch(first, frames, T0 + TimeSpan.FromMilliseconds(100 * ++batch), completed);
            Assert.Equal(default, outcome);
        }

        pipeline.Flush(completed);
        var utterance = Assert.Single(completed);
        Assert.InRange(utterance.SpeechStart.TotalMilliseconds, 250, 350);
        Assert.Equal(0, pipeline.Decoder.Jitter.Lost); // 65530 + 99 wrapped past 65535 without a gap
        Assert.Equal(100, pipeline.Frames);
    }

    [Fact]
    public void Live_audio_sent_all_at_once_keeps_the_burst_allowance_and_drops_the_rest_oldest_first()
    {
        using var pipeline = new SpeakerAudioPipeline(new UtteranceSegmenterOptions(), decoding: new UtteranceDecoderOptions { MaxBurstMs = 400 });
        var completed = new List<SegmentedUtterance>();
        var dropped = 0;

        foreach (var (first, frames) in InBatches(QuestionPackets(), firstSequence: 0))
        {
            dropped += pipeline.PushBatch(first, frames, T0, completed).RateLimitedPackets;
        }

        Assert.Equal(80, dropped); // 400 ms = 20 packets kept of 100
        Assert.Equal(80, pipeline.RateLimitedFrames);
        Assert.Equal(100, pipeline.Frames);
        Assert.Equal(20, pipeline.Decoder.Packets);
    }

    [Fact]
    public void Uploads_are_not_rate_limited()
    {
        using var pipeline = new SpeakerAudioPipeline(new UtteranceSegmenterOptions(), decoding: new UtteranceDecoderOptions { MaxBurstMs = 400 });
        var completed = new List<SegmentedUtterance>();

        foreach (var (first, frames) in InBatches(QuestionPackets(), firstSequence: 0))
        {
            pipeline.PushBatch(first, frames, liveArrival: null, completed);
        }

        pipeline.Flush(completed);
        Assert.Single(completed);
        Assert.Equal(0, pipeline.RateLimitedFrames);
        Assert.Equal(100, pipeline.Decoder.Packets);
    }

    [Fact]
    public void Corrupt_packets_are_reported_per_batch_and_the_utterance_survives()
    {
        var packets = QuestionPackets();
        packets[32] = [0x03, 0x00];
        packets[33] = [];
        using var pipeline = new SpeakerAudioPipeline(new UtteranceSegmenterOptions());
        var completed = new List<SegmentedUtterance>();
        var corrupt = new List<int>();

        foreach (var (first, frames) in InBatches(packets, firstSequence: 0))
        {
            corrupt.Add(pipeline.PushBatch(first, frames, liveArrival: null, completed).CorruptPackets);
        }

        pipeline.Flush(completed);
        Assert.Equal(2, corrupt[6]); // packets 30..34
        Assert.Equal(2, corrupt.Sum());
        Assert.Equal(2, pipeline.CorruptFrames);
        var utterance = Assert.Single(completed);
        Assert.InRange(utterance.SpeechEnd.TotalMilliseconds, 1050, 1150);
    }

    [Fact]
    public void Silence_frames_end_an_utterance_without_decoding()
    {
        var packets = QuestionPackets()[..55].Concat(Enumerable.Repeat(new byte[] { 0xF8, 0xFF, 0xFE }, 45)).ToArray();
        using var pipeline = new SpeakerAudioPipeline(new UtteranceSegmenterOptions());
        var completed = new List<SegmentedUtterance>();

        foreach (var (first, frames) in InBatches(packets, firstSequence: 0))
        {
            pipeline.PushBatch(first, frames, T0 + TimeSpan.FromMilliseconds(first * 20), completed);
        }

        var utterance = Assert.Single(completed); // decided before any flush
        Assert.Equal(45, pipeline.Decoder.SilencePackets);
        Assert.InRange(utterance.DecidedAt.TotalMilliseconds, 1500, 1700);
    }

    [Fact]
    public void Live_batches_of_quiet_audio_do_not_allocate()
    {
        var pcm = TestAudio.Silence(2000, 48000).Samples;
        for (var i = 0; i < pcm.Length; i++)
        {
            pcm[i] = (short)((i * 7919 % 61) - 30); // a faint hiss, so the decoder and resampler do real work
        }

        using var encoder = new OpusEncoder(48000, 1);
        var packet = new byte[OpusEncoder.MaxPacketSize];
        var packets = Enumerable.Range(0, pcm.Length / 960).Select(i => packet.AsSpan(0, encoder.Encode(pcm.AsSpan(i * 960, 960), packet)).ToArray()).ToArray();
        var batches = packets.Chunk(5).ToArray();
        using var pipeline = new SpeakerAudioPipeline(new UtteranceSegmenterOptions());
        var completed = new List<SegmentedUtterance>();
        long sequence = 0;
        var now = T0;
        void Pass()
        {
            foreach (var batch in batches)
            {
                now += TimeSpan.FromMilliseconds(100);
                pipeline.PushBatch(sequence, batch, now, completed);
                sequence += batch.Length;
            }
        }

        Pass();
        Pass();
        var before = GC.GetAllocatedBytesForCurrentThread();
        Pass();
        Pass();

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        Assert.Empty(completed);
        Assert.Equal(0, pipeline.RateLimitedFrames);
    }
}
