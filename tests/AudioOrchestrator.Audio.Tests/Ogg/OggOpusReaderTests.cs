using AudioOrchestrator.Testing;

namespace AudioOrchestrator.Audio.Tests.Ogg;

public sealed class OggOpusReaderTests
{
    private static readonly IReadOnlyList<byte[]> Packets = OpusPacketizer.Encode(TestAudio.Tone(440, 500, 48_000));

    [Fact]
    public void Packets_written_as_ogg_opus_read_back_byte_for_byte()
    {
        var ogg = OggOpusReader.Read(OggOpusWriter.Write(Packets, channels: 1, packetsPerPage: 7));

        Assert.Equal(1, ogg.Channels);
        Assert.Equal(312, ogg.PreSkip);
        Assert.Equal(Packets.Count, ogg.Packets.Count);
        Assert.All(Packets.Zip(ogg.Packets), pair => Assert.Equal(pair.First, pair.Second));
        Assert.True(ogg.IsTwentyMillisecondPackets);
    }

    [Fact]
    public void A_packet_longer_than_255_bytes_is_laced_over_several_segments()
    {
        byte[] big = [Packets[0][0], .. Enumerable.Repeat((byte)7, 700)];

        var ogg = OggOpusReader.Read(OggOpusWriter.Write([big, Packets[1]]));

        Assert.Equal(big, ogg.Packets[0]);
        Assert.Equal(Packets[1], ogg.Packets[1]);
    }

    [Fact]
    public void Forty_millisecond_packets_are_read_but_not_twenty_millisecond_ones()
    {
        var joined = OggOpusWriter.JoinPair(Packets[0], Packets[1]);

        Assert.Equal(1920, OpusPacketInfo.DurationSamples(joined));
        Assert.False(OggOpusReader.Read(OggOpusWriter.Write([joined])).IsTwentyMillisecondPackets);
        Assert.Equal(960 * 2, OpusPacketizer.Decode([joined]).Samples.Length);
    }

    [Theory]
    [InlineData(0b00001_0_00, 960)] // SILK 20 ms, one frame
    [InlineData(0b00011_0_00, 2880)] // SILK 60 ms
    [InlineData(0b01101_0_00, 960)] // Hybrid 20 ms
    [InlineData(0b11111_0_00, 960)] // CELT 20 ms
    [InlineData(0b10000_0_00, 120)] // CELT 2.5 ms
    [InlineData(0b11111_0_01, 1920)] // two CELT 20 ms frames (code 1)
    public void The_table_of_contents_gives_the_packet_duration(int toc, int samples) =>
        Assert.Equal(samples, OpusPacketInfo.DurationSamples([(byte)toc, 0, 0]));

    public static TheoryData<string, string> Corruptions => new()
    {
        { "truncated", "cut short" },
        { "crc", "CRC" },
        { "no-capture", "capture pattern" },
        { "second-stream", "multiplexes" },
        { "not-opus", "OpusHead" },
        { "bad-packet", "malformed" },
        { "after-eos", "end-of-stream" },
    };

    [Theory]
    [MemberData(nameof(Corruptions))]
    public void A_broken_stream_is_a_clear_error_never_a_partial_result(string corruption, string expected)
    {
        var good = OggOpusWriter.Write(Packets);
        byte[] data = corruption switch
        {
            "truncated" => good[..^25],
            "crc" => Flip(good, good.Length - 3),
            "no-capture" => Flip(good, 0),
            "second-stream" => [.. good.AsSpan(0, FirstTwoPages(good)), .. OggOpusWriter.Write(Packets, serial: 9).AsSpan(FirstTwoPages(good))],
            "not-opus" => OggOpusWriter.Write(Packets, channels: 3),
            "bad-packet" => OggOpusWriter.Write([[0b11111_0_11, 0]]),
            _ => [.. good, .. good],
        };

        var error = Assert.Throws<InvalidDataException>(() => OggOpusReader.Read(data));
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    private static byte[] Flip(byte[] data, int index)
    {
        var copy = (byte[])data.Clone();
        copy[index] ^= 0x40;
        return copy;
    }

    /// <summary>The length of the OpusHead and OpusTags pages.</summary>
    private static int FirstTwoPages(byte[] ogg)
    {
        var offset = 0;
        for (var page = 0; page < 2; page++)
        {
            var segments = ogg[offset + 26];
            offset += 27 + segments + ogg.AsSpan(offset + 27, segments).ToArray().Sum(b => b);
        }

        return offset;
    }
}
