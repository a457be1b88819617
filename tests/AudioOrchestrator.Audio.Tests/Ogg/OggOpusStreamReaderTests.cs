using AudioOrchestrator.Testing;

namespace AudioOrchestrator.Audio.Tests.Ogg;

/// <summary>Ogg Opus read as it arrives: the same packets as the whole-file reader, however the bytes are cut.</summary>
public sealed class OggOpusStreamReaderTests
{
    private static readonly IReadOnlyList<byte[]> Packets = OpusPacketizer.Encode(TestAudio.Tone(440, 600, 48_000));

    [Theory]
    [InlineData(1)]
    [InlineData(26)]
    [InlineData(27)]
    [InlineData(200)]
    [InlineData(4096)]
    public void Any_cut_gives_the_packets_of_the_whole_file_in_order(int piece)
    {
        var file = OggOpusWriter.Write(Packets, channels: 1, packetsPerPage: 5);
        var reader = new OggOpusStreamReader();
        var read = new List<byte[]>();

        for (var offset = 0; offset < file.Length; offset += piece)
        {
            read.AddRange(reader.Append(file.AsSpan(offset, Math.Min(piece, file.Length - offset))));
        }

        reader.Complete();
        Assert.Equal(Packets.Select(Convert.ToHexString), read.Select(Convert.ToHexString));
        Assert.Equal((1, OggOpusReader.Read(file).PreSkip), (reader.Head!.Channels, reader.Head.PreSkip));
    }

    [Fact]
    public void Audio_packets_come_out_page_by_page_before_the_end()
    {
        var file = OggOpusWriter.Write(Packets, channels: 1, packetsPerPage: 5);
        var reader = new OggOpusStreamReader();

        var first = reader.Append(file.AsSpan(0, file.Length / 2));

        Assert.InRange(first.Count, 5, Packets.Count - 5);
    }

    [Fact]
    public void Bytes_that_are_not_ogg_fail_on_the_first_four()
    {
        var reader = new OggOpusStreamReader();

        var error = Assert.Throws<InvalidDataException>(() => reader.Append("<htm"u8));

        Assert.Contains("capture pattern", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_stream_that_ends_inside_a_page_or_before_its_headers_is_truncated()
    {
        var file = OggOpusWriter.Write(Packets);
        var cut = new OggOpusStreamReader();
        cut.Append(file.AsSpan(0, file.Length - 3));
        var empty = new OggOpusStreamReader();

        Assert.Contains("cut short", Assert.Throws<InvalidDataException>(cut.Complete).Message, StringComparison.Ordinal);
        Assert.Contains("OpusHead", Assert.Throws<InvalidDataException>(empty.Complete).Message, StringComparison.Ordinal);
    }
}
