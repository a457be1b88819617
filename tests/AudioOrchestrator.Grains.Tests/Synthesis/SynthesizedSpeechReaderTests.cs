using AudioOrchestrator.Audio;
using AudioOrchestrator.Grains.Synthesis;
using AudioOrchestrator.Speech;
using AudioOrchestrator.Testing;

namespace AudioOrchestrator.Grains.Tests.Synthesis;

/// <summary>Speech as the synthesis stage reads it: whole or in chunks cut anywhere, into 20 ms Opus packets.</summary>
public sealed class SynthesizedSpeechReaderTests
{
    /// <summary>Reads <paramref name="body"/> in pieces of <paramref name="piece"/> bytes; returns the packets and the packets ready after each piece.</summary>
    private static (List<byte[]> Packets, List<int> ReadyAfterPiece) Read(string mediaType, byte[] body, int piece)
    {
        using var reader = new SynthesizedSpeechReader(mediaType);
        using var writer = new OpusFrameWriter(1);
        var packets = new List<byte[]>();
        var ready = new List<int>();
        for (var offset = 0; offset < body.Length; offset += piece)
        {
            reader.Append(body.AsSpan(offset, Math.Min(piece, body.Length - offset)), writer, packets);
            ready.Add(packets.Count);
        }

        reader.Complete(writer, packets);
        writer.Flush(packets);
        return (packets, ready);
    }

    private static PcmAudio Decoded(IReadOnlyList<byte[]> packets) => OpusPacketizer.Decode(packets.Select(p => (ReadOnlyMemory<byte>)p));

    [Theory]
    [InlineData(1)]
    [InlineData(37)]
    [InlineData(1 << 20)]
    public void Ogg_opus_with_20_ms_packets_passes_through_byte_for_byte_however_it_is_cut(int piece)
    {
        var packets = OpusPacketizer.Encode(TestAudio.Tone(440, 400, 48_000));

        var (read, _) = Read(SpeechAudioFormats.OggOpus, OggOpusWriter.Write(packets), piece);

        Assert.Equal(packets.Select(Convert.ToHexString), read.Select(Convert.ToHexString));
    }

    [Fact]
    public void Streamed_ogg_opus_plays_from_its_first_pages_before_the_body_is_complete()
    {
        var packets = OpusPacketizer.Encode(TestAudio.Tone(440, 2000, 48_000));
        var body = OggOpusWriter.Write(packets);

        var (_, ready) = Read("audio/opus", body, 4800);

        Assert.True(ready[0] > 0, "packets were ready after the first 4800 bytes");
        Assert.True(ready[0] < packets.Count, "not everything was ready at once");
    }

    [Theory]
    [InlineData(1 << 20)]
    [InlineData(333)]
    public void Ogg_opus_with_40_ms_packets_is_decoded_without_its_pre_skip_and_re_encoded(int piece)
    {
        var packets = OpusPacketizer.Encode(TestAudio.Tone(440, 400, 48_000));
        var joined = packets.Chunk(2).Select(pair => OggOpusWriter.JoinPair(pair[0], pair[1])).ToList();

        var (read, _) = Read("audio/opus", OggOpusWriter.Write(joined), piece);

        Assert.Equal(((400 * 48) - 312 + 959) / 960, read.Count); // the pre-skip dropped, the last frame padded
        Assert.InRange(TestAudio.EstimateFrequency(Decoded(read)), 420, 460);
    }

    [Theory]
    [InlineData(1 << 20)]
    [InlineData(101)]
    public void Wav_at_any_rate_becomes_20_ms_packets_of_the_same_sound(int piece)
    {
        var (read, _) = Read("audio/wav", WavCodec.Encode(TestAudio.Tone(300, 200, 22_050)), piece);

        Assert.InRange(read.Count, 10, 11);
        Assert.InRange(TestAudio.EstimateFrequency(Decoded(read)), 280, 320);
    }

    [Theory]
    [InlineData(1 << 20)]
    [InlineData(1)]
    [InlineData(4801)]
    public void Raw_pcm_at_24_khz_is_read_across_odd_cuts(int piece)
    {
        var tone = TestAudio.Tone(500, 400, 24_000);
        var body = new byte[tone.Samples.Length * 2];
        Buffer.BlockCopy(tone.Samples, 0, body, 0, body.Length);

        var (read, _) = Read(SpeechAudioFormats.Pcm, body, piece);

        Assert.InRange(read.Count, 20, 21);
        Assert.InRange(TestAudio.EstimateFrequency(Decoded(read)), 480, 520);
    }

    [Fact]
    public void A_pcm_rate_parameter_is_honoured()
    {
        var tone = TestAudio.Tone(500, 400, 16_000);
        var body = new byte[tone.Samples.Length * 2];
        Buffer.BlockCopy(tone.Samples, 0, body, 0, body.Length);

        var (read, _) = Read("audio/pcm; rate=16000", body, 1000);

        Assert.InRange(read.Count, 20, 21);
        Assert.InRange(TestAudio.EstimateFrequency(Decoded(read)), 480, 520);
    }

    [Fact]
    public void A_body_cut_inside_an_ogg_page_keeps_the_whole_pages_and_says_it_is_truncated()
    {
        var packets = OpusPacketizer.Encode(TestAudio.Tone(440, 1000, 48_000));
        var body = OggOpusWriter.Write(packets);
        using var reader = new SynthesizedSpeechReader(SpeechAudioFormats.OggOpus);
        using var writer = new OpusFrameWriter(1);
        var read = new List<byte[]>();

        reader.Append(body.AsSpan(0, body.Length - 10), writer, read);
        var error = Assert.Throws<InvalidDataException>(() => reader.Complete(writer, read));

        Assert.Contains("cut short", error.Message, StringComparison.Ordinal);
        Assert.InRange(read.Count, 1, packets.Count - 1);
        Assert.Equal(packets.Take(read.Count).Select(Convert.ToHexString), read.Select(Convert.ToHexString));
    }

    [Theory]
    [InlineData("audio/wav", "<html>", "RIFF")]
    [InlineData("audio/ogg; codecs=opus", "<html><body>502 Bad Gateway</body></html>", "capture pattern")]
    public void A_body_that_is_not_the_announced_format_fails_on_its_first_bytes(string mediaType, string body, string expected)
    {
        using var reader = new SynthesizedSpeechReader(mediaType);
        using var writer = new OpusFrameWriter(1);

        var error = Assert.Throws<InvalidDataException>(() => reader.Append(System.Text.Encoding.UTF8.GetBytes(body), writer, []));

        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_wav_cut_short_of_its_declared_data_is_truncated()
    {
        var wav = WavCodec.Encode(TestAudio.Tone(300, 200, 16_000));
        using var reader = new SynthesizedSpeechReader("audio/wav");
        using var writer = new OpusFrameWriter(1);

        reader.Append(wav.AsSpan(0, wav.Length - 100), writer, []);

        Assert.Contains("truncated", Assert.Throws<InvalidDataException>(() => reader.Complete(writer, [])).Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("audio/mpeg")]
    [InlineData("audio/ogg")]
    [InlineData("audio/pcm; rate=fast")]
    public void Audio_the_stage_cannot_play_is_a_clear_error(string mediaType) =>
        Assert.Throws<InvalidDataException>(() => new SynthesizedSpeechReader(mediaType));
}
