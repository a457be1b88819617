using AudioOrchestrator.Audio.Tests.Decoding;
using AudioOrchestrator.Audio.Tests.Support;

namespace AudioOrchestrator.Audio.Tests;

/// <summary>The per-frame paths run 50 times a second per speaker and must not allocate.</summary>
public sealed class HotPathAllocationTests
{
    private static long AllocatedBy(Action action, int warmUp = 50)
    {
        action();
        for (var i = 0; i < warmUp; i++)
        {
            action();
        }

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 200; i++)
        {
            action();
        }

        return GC.GetAllocatedBytesForCurrentThread() - before;
    }

    [Fact]
    public void Opus_encode_and_decode_do_not_allocate()
    {
        using var encoder = new OpusEncoder(48000, 1);
        using var decoder = new OpusDecoder(48000, 1);
        var frame = Signals.Sine(440, 48000, 960);
        var packet = new byte[OpusEncoder.MaxPacketSize];
        var pcm = new short[decoder.MaxFrameSamples];

        var bytes = AllocatedBy(() =>
        {
            var length = encoder.Encode(frame, packet);
            decoder.Decode(packet.AsSpan(0, length), pcm);
            decoder.Conceal(pcm, 960);
        });

        Assert.Equal(0, bytes);
    }

    [Fact]
    public void Streaming_resampler_process_does_not_allocate()
    {
        using var resampler = new StreamingResampler(48000, 16000, 1);
        var frame = Signals.Sine(440, 48000, 960);
        var output = new short[resampler.MaxOutputSamples(frame.Length)];

        Assert.Equal(0, AllocatedBy(() => resampler.Process(frame, output)));
    }

    [Fact]
    public void Segmenter_push_allocates_only_the_completed_utterance()
    {
        var segmenter = new UtteranceSegmenter(new UtteranceSegmenterOptions());
        var stream = new SignalBuilder().Quiet(500).Tone(1000).Quiet(700).ToArray();
        var completed = new List<SegmentedUtterance>(capacity: 16);
        segmenter.Push(stream, completed);
        segmenter.Push(stream, completed);
        completed.Clear();

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var offset = 0; offset < stream.Length; offset += 320)
        {
            segmenter.Push(stream.AsSpan(offset, 320), completed);
        }

        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        var utterance = Assert.Single(completed);
        var utteranceBytes = (utterance.Samples.Length * sizeof(short)) + 32;
        Assert.InRange(allocated, utteranceBytes, utteranceBytes + 128);
    }

    [Fact]
    public void Segmenter_push_of_silence_does_not_allocate()
    {
        var segmenter = new UtteranceSegmenter(new UtteranceSegmenterOptions());
        var frame = new SignalBuilder().Quiet(20).ToArray();
        var completed = new List<SegmentedUtterance>();

        Assert.Equal(0, AllocatedBy(() => segmenter.Push(frame, completed)));
    }

    [Fact]
    public void Front_end_packets_through_jitter_buffer_decoder_resampler_and_segmenter_do_not_allocate()
    {
        var packets = DecoderPackets.Encode(new SignalBuilder().Quiet(2000).ToArray());
        packets[20] = DecoderPackets.SilenceFrame;
        packets[30] = [0x03, 0x00]; // corrupt
        using var frontEnd = new UtteranceDecoder(new UtteranceSegmenterOptions());
        var completed = new List<SegmentedUtterance>();
        var sequence = 0;
        void Pass()
        {
            for (var i = 0; i < packets.Count; i++, sequence++)
            {
                if (i % 25 != 7)
                {
                    // Every 25th packet is lost (recovered by FEC); 11 and 12 swap places.
                    var index = i switch { 11 => 12, 12 => 11, _ => i };
                    frontEnd.Push((ushort)(sequence + index - i), packets[index], completed);
                }
            }
        }

        Pass();
        Pass();
        var before = GC.GetAllocatedBytesForCurrentThread();
        Pass();
        Pass();
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Empty(completed);
        Assert.True(frontEnd.Jitter.Recovered > 0);
        Assert.Equal(4, frontEnd.CorruptPackets);
        Assert.Equal(0, allocated);
    }
}
