using AudioOrchestrator.Audio;

namespace AudioOrchestrator.Audio.Tests.Jitter;

public sealed class OpusJitterBufferTests
{
    private static ReadOnlyMemory<byte> P(int id) => new byte[] { (byte)id };

    private static List<JitterInstruction> Feed(OpusJitterBuffer buffer, params int[] sequences)
    {
        var ready = new List<JitterInstruction>();
        foreach (var sequence in sequences)
        {
            buffer.Push((ushort)sequence, P(sequence), ready);
        }

        return ready;
    }

    private static string Describe(IEnumerable<JitterInstruction> steps) =>
        string.Join(" ", steps.Select(s => s.Action switch
        {
            JitterAction.Decode => $"D{s.Sequence}",
            JitterAction.RecoverWithFec => $"F{s.Sequence}",
            _ => $"C{s.Sequence}",
        }));

    [Fact]
    public void In_order_packets_play_at_once()
    {
        var buffer = new OpusJitterBuffer();

        Assert.Equal("D10 D11 D12", Describe(Feed(buffer, 10, 11, 12)));
        Assert.Equal(0, buffer.PendingCount);
    }

    [Fact]
    public void Reordering_within_the_window_is_undone()
    {
        var buffer = new OpusJitterBuffer();

        Assert.Equal("D1 D2 D3 D4 D5", Describe(Feed(buffer, 1, 3, 2, 5, 4)));
        Assert.Equal(0, buffer.Statistics.Lost);
    }

    [Fact]
    public void Duplicates_and_late_packets_are_dropped()
    {
        var buffer = new OpusJitterBuffer();

        // 3 is held waiting for 2 and arrives twice; 2 and 1 arrive again after they were played.
        var steps = Feed(buffer, 1, 3, 3, 2, 2, 1, 4);

        Assert.Equal("D1 D2 D3 D4", Describe(steps));
        Assert.Equal(1, buffer.Statistics.Duplicates);
        Assert.Equal(2, buffer.Statistics.Late);
    }

    [Fact]
    public void A_single_lost_packet_is_recovered_from_the_next_packets_fec()
    {
        var buffer = new OpusJitterBuffer(new JitterBufferOptions { ReorderWindow = 2 });

        var steps = Feed(buffer, 1, 3, 4, 5);

        Assert.Equal("D1 F2 D3 D4 D5", Describe(steps));
        Assert.Equal(3, steps[1].Payload.Span[0]); // FEC comes from packet 3
        Assert.Equal((1, 1, 0), (buffer.Statistics.Lost, buffer.Statistics.Recovered, buffer.Statistics.Concealed));
    }

    [Fact]
    public void Longer_gaps_are_concealed_up_to_the_bound_then_left_silent()
    {
        var buffer = new OpusJitterBuffer(new JitterBufferOptions { ReorderWindow = 1, MaxConcealedFrames = 2 });

        var steps = Feed(buffer, 1, 7, 8);

        // 2..6 lost: 2 and 3 concealed, 4 and 5 not played, 6 recovered from packet 7's FEC.
        Assert.Equal("D1 C2 C3 F6 D7 D8", Describe(steps));
        Assert.Equal((5, 1, 2), (buffer.Statistics.Lost, buffer.Statistics.Recovered, buffer.Statistics.Concealed));
    }

    [Fact]
    public void Sequence_numbers_wrap_at_65536()
    {
        var buffer = new OpusJitterBuffer();

        Assert.Equal("D65534 D65535 D0 D1 D2", Describe(Feed(buffer, 65534, 0, 65535, 1, 2)));
    }

    [Fact]
    public void A_huge_jump_is_a_new_stream()
    {
        var buffer = new OpusJitterBuffer();

        var steps = Feed(buffer, 100, 101, 30000, 30001);

        Assert.Equal("D100 D101 D30000 D30001", Describe(steps));
        Assert.Equal(1, buffer.Statistics.Resyncs);
    }

    [Fact]
    public void A_stream_that_starts_again_just_below_the_old_numbers_is_followed_not_dropped_as_late()
    {
        // A client that reconnects numbers afresh from a random point, here 200 below where it was.
        var buffer = new OpusJitterBuffer();
        var before = Feed(buffer, 5000, 5001, 5002);

        var after = Feed(buffer, 4800, 4801, 4802);

        Assert.Equal("D5000 D5001 D5002", Describe(before));
        Assert.Equal("D4800 D4801 D4802", Describe(after));
        Assert.Equal((1L, 0L), (buffer.Statistics.Resyncs, buffer.Statistics.Late));
    }

    [Fact]
    public void A_reordered_packet_a_few_behind_is_late()
    {
        var buffer = new OpusJitterBuffer();

        Assert.Equal("D10 D11 D12 D13 D14 D15", Describe(Feed(buffer, 10, 11, 12, 13, 14, 15, 12)));
        Assert.Equal((0L, 1L), (buffer.Statistics.Resyncs, buffer.Statistics.Late));
    }

    [Fact]
    public void Drain_plays_what_is_held_with_gaps_recovered()
    {
        var buffer = new OpusJitterBuffer(new JitterBufferOptions { ReorderWindow = 5 });
        var ready = Feed(buffer, 1, 3);
        Assert.Equal("D1", Describe(ready));

        buffer.Drain(ready);

        Assert.Equal("D1 F2 D3", Describe(ready));
    }

    [Fact]
    public void Garbage_sequence_numbers_cannot_grow_memory()
    {
        var buffer = new OpusJitterBuffer();
        var random = new Random(7);
        var ready = new List<JitterInstruction>();

        for (var i = 0; i < 100_000; i++)
        {
            buffer.Push((ushort)random.Next(65536), P(i), ready);
            Assert.True(buffer.PendingCount <= new JitterBufferOptions().ReorderWindow + 1);
            ready.Clear();
        }
    }

    [Theory]
    [InlineData(-1, 5, 1000)]
    [InlineData(3, 51, 1000)]
    [InlineData(3, 5, 2)]
    [InlineData(3, 5, 1000, 2)]
    [InlineData(3, 5, 1000, 1001)]
    public void Invalid_options_are_rejected(int window, int conceal, int resync, int maxLate = 50) =>
        Assert.Throws<ArgumentException>(() => new OpusJitterBuffer(new JitterBufferOptions
        {
            ReorderWindow = window,
            MaxConcealedFrames = conceal,
            ResyncThreshold = resync,
            MaxLatePackets = maxLate,
        }));
}
