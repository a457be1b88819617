using static AudioOrchestrator.Audio.Tests.Decoding.DecoderPackets;

namespace AudioOrchestrator.Audio.Tests.Decoding;

/// <summary>The whole per-speaker front-end on real libopus/libsoxr: ordering, loss, silence frames, bad packets.</summary>
public sealed class UtteranceDecoderTests
{
    private static readonly TimeSpan FrameTime = TimeSpan.FromMilliseconds(20);

    private static UtteranceDecoder Create(UtteranceDecoderOptions? options = null) => new(new UtteranceSegmenterOptions(), options: options);

    /// <summary>16 kHz samples the front-end produced, rounded to whole 20 ms frames (the resampler keeps a few back).</summary>
    private static long PlayedFrames(UtteranceDecoder frontEnd) => (long)Math.Round(frontEnd.Position / FrameTime);

    [Fact]
    public void In_order_packets_give_one_utterance_where_the_tone_is()
    {
        var packets = OneUtterance();
        using var frontEnd = Create();

        var utterance = Assert.Single(Play(frontEnd, InOrder(packets)));

        Assert.InRange(utterance.SpeechStart.TotalMilliseconds, 460, 560);
        Assert.InRange(utterance.SpeechEnd.TotalMilliseconds, 1460, 1560);
        Assert.Equal(packets.Count, PlayedFrames(frontEnd));
        Assert.Equal(0, frontEnd.CorruptPackets);
    }

    [Fact]
    public void Reordered_and_duplicated_packets_are_played_once_in_order()
    {
        var packets = OneUtterance();
        var arrivals = InOrder(packets).ToList();
        for (var i = 10; i + 2 < arrivals.Count; i += 7)
        {
            (arrivals[i], arrivals[i + 2]) = (arrivals[i + 2], arrivals[i]);
        }

        arrivals.Insert(40, arrivals[30]);
        arrivals.Insert(60, arrivals[59]);
        using var frontEnd = Create();

        var utterance = Assert.Single(Play(frontEnd, arrivals));

        Assert.Equal(packets.Count, PlayedFrames(frontEnd));
        Assert.Equal(2, frontEnd.Jitter.Duplicates + frontEnd.Jitter.Late); // copies of packets already played count as late
        Assert.Equal(0, frontEnd.Jitter.Lost);
        Assert.InRange(utterance.SpeechStart.TotalMilliseconds, 460, 560);
    }

    [Fact]
    public void A_single_loss_is_recovered_from_fec_and_longer_gaps_are_concealed_keeping_the_timeline()
    {
        var packets = OneUtterance();
        var dropped = new HashSet<int> { 40, 60, 61, 62 };
        using var frontEnd = Create();

        var utterance = Assert.Single(Play(frontEnd, InOrder(packets).Where(a => !dropped.Contains(a.Sequence))));

        Assert.Equal(packets.Count, PlayedFrames(frontEnd));
        Assert.Equal(4, frontEnd.Jitter.Lost);
        Assert.Equal(2, frontEnd.Jitter.Recovered);
        Assert.Equal(2, frontEnd.Jitter.Concealed);
        Assert.InRange(utterance.SpeechEnd.TotalMilliseconds, 1460, 1560);
    }

    [Fact]
    public void Sequence_numbers_wrap_at_65536()
    {
        var packets = OneUtterance();
        using var frontEnd = Create();

        Assert.Single(Play(frontEnd, InOrder(packets, firstSequence: 65500)));

        Assert.Equal(packets.Count, PlayedFrames(frontEnd));
        Assert.Equal(0, frontEnd.Jitter.Lost);
    }

    [Fact]
    public void Silence_frames_are_played_as_20_ms_of_silence_without_decoding()
    {
        var packets = OneUtterance().Take(75).ToList(); // quiet 500 ms + 1 s tone
        packets.AddRange(Enumerable.Repeat(SilenceFrame, 50));
        using var frontEnd = Create();

        var utterance = Assert.Single(Play(frontEnd, InOrder(packets)));

        Assert.Equal(50, frontEnd.SilencePackets);
        Assert.Equal(packets.Count, PlayedFrames(frontEnd));
        Assert.Equal(0, frontEnd.CorruptPackets);

        // The default 500 ms end-of-utterance silence closes the utterance inside the silence frames, not at the flush (2.5 s).
        Assert.InRange(utterance.DecidedAt.TotalMilliseconds, 1950, 2150);
    }

    [Theory]
    [InlineData(new byte[] { 0xF8, 0xFF }, false)]
    [InlineData(new byte[] { 0xF8, 0xFF, 0xFE }, true)]
    [InlineData(new byte[] { 0xF8, 0xFF, 0xFE, 0x00 }, false)]
    public void Only_the_exact_three_byte_frame_is_a_silence_frame(byte[] packet, bool silence) =>
        Assert.Equal(silence, UtteranceDecoder.IsSilenceFrame(packet));

    [Fact]
    public void Corrupt_and_truncated_packets_are_counted_and_concealed_and_a_run_of_them_resets_the_decoder()
    {
        var packets = OneUtterance();
        packets[30] = [0x03, 0x00];                    // code 3 packet with zero frames
        packets[50] = [];                              // empty
        packets[51] = [0xFF, 0xFF, 0xFF, 0xFF];        // code 3, 63 frames of 60 ms: too long
        packets[52] = [0x0B, 0x05, 0x01];              // code 3 header promising more than it carries (truncated)
        packets[53] = [0x03, 0x00];
        using var frontEnd = Create();

        var utterance = Assert.Single(Play(frontEnd, InOrder(packets)));

        Assert.Equal(5, frontEnd.CorruptPackets);
        Assert.Equal(1, frontEnd.DecoderResets); // 50..53 are four in a row; the third resets
        Assert.Equal(packets.Count, PlayedFrames(frontEnd));
        Assert.InRange(utterance.SpeechEnd.TotalMilliseconds, 1460, 1560);
    }

    [Fact]
    public void A_burst_of_garbage_costs_no_memory_and_the_stream_recovers()
    {
        var random = new Random(7);
        var garbage = Enumerable.Range(0, 500).Select(_ =>
        {
            var packet = new byte[random.Next(0, 200)];
            random.NextBytes(packet);
            return packet;
        });
        var arrivals = InOrder(garbage.Concat(OneUtterance())).ToList();
        using var frontEnd = Create();

        var utterances = Play(frontEnd, arrivals);

        // Random bytes that happen to be valid Opus may decode to frames longer than 20 ms (at most 120 ms each).
        Assert.InRange(PlayedFrames(frontEnd), arrivals.Count - 5, arrivals.Count * 6);
        Assert.True(frontEnd.CorruptPackets > 0, "random packets were all accepted");

        // Whatever the garbage decoded to, the real utterance after it is heard: the tone ends 1 s before the end.
        var toneEnd = frontEnd.Position - TimeSpan.FromSeconds(1);
        Assert.Contains(utterances, u => Math.Abs((u.SpeechEnd - toneEnd).TotalMilliseconds) < 100 && u.SpeechEnd - u.SpeechStart >= TimeSpan.FromMilliseconds(900));
    }

    [Fact]
    public void Full_scale_audio_is_handled_and_cut_at_the_maximum_utterance_length()
    {
        var random = new Random(3);
        var samples = new short[16000 * 8];
        for (var i = 0; i < samples.Length; i++)
        {
            samples[i] = random.Next(2) == 0 ? short.MinValue : short.MaxValue;
        }

        using var frontEnd = new UtteranceDecoder(new UtteranceSegmenterOptions { MaxUtteranceMs = 3000 });

        var utterances = Play(frontEnd, InOrder(Encode(samples)));

        Assert.InRange(utterances.Count, 2, 4);
        Assert.All(utterances, u => Assert.True(u.Samples.Length <= 16000 * 3.4, $"{u.Samples.Length} samples"));
    }

    [Fact]
    public void Push_silence_plays_the_held_packets_first()
    {
        var packets = OneUtterance().Take(60).ToList();
        using var frontEnd = Create();
        var completed = new List<SegmentedUtterance>();
        for (var i = 0; i < packets.Count; i++)
        {
            if (i != 55)
            {
                frontEnd.Push((ushort)i, packets[i], completed); // 56..59 wait in the reorder window for 55 (3 packets)
            }
        }

        frontEnd.PushSilence(TimeSpan.FromMilliseconds(800), completed);

        var utterance = Assert.Single(completed);
        Assert.InRange(utterance.SpeechEnd.TotalMilliseconds, 1150, 1230);
        Assert.Equal(1, frontEnd.Jitter.Recovered);
    }

    [Fact]
    public void Invalid_options_are_refused_with_every_problem()
    {
        var options = new UtteranceDecoderOptions { MaxBurstMs = 0, MaxRealTimeFactor = 0.5, CorruptPacketsBeforeReset = 0, Jitter = new JitterBufferOptions { ReorderWindow = -1 } };

        var error = Assert.Throws<ArgumentException>(() => new UtteranceDecoder(new UtteranceSegmenterOptions(), options: options));

        Assert.Contains("MaxBurstMs", error.Message);
        Assert.Contains("MaxRealTimeFactor", error.Message);
        Assert.Contains("CorruptPacketsBeforeReset", error.Message);
        Assert.Contains("Jitter: ReorderWindow", error.Message);
    }
}
