using System.Buffers.Binary;
using AudioOrchestrator.Audio.Tests.Support;
using static AudioOrchestrator.Audio.Tests.Support.WavBuilder;

namespace AudioOrchestrator.Audio.Tests;

public sealed class WavCodecTests
{
    private static InvalidAudioException Rejects(byte[] wav) => Assert.Throws<InvalidAudioException>(() => WavCodec.Decode(wav));

    [Fact]
    public void Encode_then_decode_round_trips_stereo_samples()
    {
        var audio = new PcmAudio(Signals.Sine(440, 22050, 2205, channels: 2), 22050, 2);
        audio.Samples[1] = short.MinValue;
        audio.Samples[3] = short.MaxValue;

        var decoded = WavCodec.Decode(WavCodec.Encode(audio));

        Assert.Equal(22050, decoded.SampleRate);
        Assert.Equal(2, decoded.Channels);
        Assert.Equal(audio.Samples, decoded.Samples);
        Assert.Equal(audio, decoded);
    }

    [Fact]
    public void Encode_into_a_larger_pooled_buffer_writes_the_same_bytes_and_says_how_many()
    {
        var audio = new PcmAudio(Signals.Sine(440, 16000, 1600), 16000, 1);
        var buffer = new byte[WavCodec.EncodedSize(audio) + 100];
        buffer.AsSpan().Fill(0xAB);

        var written = WavCodec.Encode(audio, buffer);

        Assert.Equal(44 + 3200, written);
        Assert.Equal(WavCodec.Encode(audio), buffer[..written]);
        Assert.All(buffer[written..], b => Assert.Equal(0xAB, b));
    }

    [Fact]
    public void Encode_into_a_buffer_too_small_is_refused_before_writing()
    {
        var audio = new PcmAudio(new short[10], 16000, 1);
        var buffer = new byte[WavCodec.EncodedSize(audio) - 1];

        var error = Assert.Throws<ArgumentException>(() => WavCodec.Encode(audio, buffer));

        Assert.Contains("needs 64 bytes", error.Message, StringComparison.Ordinal);
        Assert.All(buffer, b => Assert.Equal(0, b));
    }

    [Fact]
    public void Encode_writes_canonical_44_byte_header()
    {
        var bytes = WavCodec.Encode(new PcmAudio([1, -2, 3, -4], 16000, 2));

        Assert.Equal(44 + 8, bytes.Length);
        Assert.Equal("RIFF"u8.ToArray(), bytes[..4]);
        Assert.Equal(44u, BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(4)));
        Assert.Equal("WAVEfmt "u8.ToArray(), bytes[8..16]);
        Assert.Equal(16u, BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(16)));
        Assert.Equal(1, BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(20)));
        Assert.Equal(2, BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(22)));
        Assert.Equal(16000u, BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(24)));
        Assert.Equal(64000u, BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(28)));
        Assert.Equal(4, BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(32)));
        Assert.Equal(16, BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(34)));
        Assert.Equal("data"u8.ToArray(), bytes[36..40]);
        Assert.Equal(8u, BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(40)));
        Assert.Equal(-2, BinaryPrimitives.ReadInt16LittleEndian(bytes.AsSpan(46)));
    }

    [Fact]
    public void Encode_to_stream_matches_byte_array()
    {
        var audio = new PcmAudio(Signals.Sine(1000, 8000, 800), 8000, 1);
        using var stream = new MemoryStream();

        WavCodec.Encode(audio, stream);

        Assert.Equal(WavCodec.Encode(audio), stream.ToArray());
    }

    [Fact]
    public void Decode_skips_unknown_chunks_including_odd_sized_padding()
    {
        var wav = Riff("WAVE", Chunk("LIST", [1, 2, 3]), Fmt(channels: 1, sampleRate: 8000), Chunk("junk", [9]), Data(100, -200, 300));

        var audio = WavCodec.Decode(wav);

        Assert.Equal(new short[] { 100, -200, 300 }, audio.Samples);
        Assert.Equal(8000, audio.SampleRate);
    }

    [Fact]
    public void Decode_accepts_extensible_format_with_pcm_subformat()
    {
        var audio = WavCodec.Decode(Riff("WAVE", FmtExtensible(subFormat: 1, channels: 2, sampleRate: 48000), Data(1, 2, 3, 4)));

        Assert.Equal(2, audio.Channels);
        Assert.Equal(48000, audio.SampleRate);
        Assert.Equal(new short[] { 1, 2, 3, 4 }, audio.Samples);
    }

    [Fact]
    public void Decode_accepts_streamed_data_size_ffffffff_truncated_to_whole_frames()
    {
        var wav = Riff("WAVE", 0xFFFFFFFF, Fmt(channels: 2), Chunk("data", [1, 0, 2, 0, 3, 0, 4, 0, 5, 0], declaredSize: 0xFFFFFFFF));

        var audio = WavCodec.Decode(wav);

        Assert.Equal(new short[] { 1, 2, 3, 4 }, audio.Samples);
    }

    [Fact]
    public void Decode_accepts_streamed_data_size_zero_when_riff_size_is_unset()
    {
        var wav = Riff("WAVE", 0u, Fmt(), Chunk("data", [7, 0, 8, 0], declaredSize: 0));

        Assert.Equal(new short[] { 7, 8 }, WavCodec.Decode(wav).Samples);
    }

    [Fact]
    public void Decode_treats_data_size_zero_in_a_finalized_file_as_empty()
    {
        var audio = WavCodec.Decode(Riff("WAVE", Fmt(), Chunk("data", [])));

        Assert.Empty(audio.Samples);
    }

    [Fact]
    public void Rejects_empty_input()
    {
        Assert.Equal("The WAV data is empty.", Rejects([]).Message);
    }

    [Fact]
    public void Rejects_truncated_riff_header()
    {
        Assert.Contains("truncated: the RIFF header needs 12 bytes but only 8", Rejects("RIFF\x24\0\0\0"u8.ToArray()).Message);
    }

    [Fact]
    public void Rejects_file_that_is_not_riff()
    {
        var wav = Riff("WAVE", Fmt(), Data(1));
        "RIFX"u8.CopyTo(wav);

        Assert.Contains("does not start with 'RIFF'", Rejects(wav).Message);
    }

    [Fact]
    public void Rejects_riff_that_is_not_wave()
    {
        Assert.Contains("not a WAVE file", Rejects(Riff("AVI ", Fmt(), Data(1))).Message);
    }

    [Fact]
    public void Rejects_truncated_chunk_header()
    {
        var wav = Riff("WAVE", Fmt(), [(byte)'d', (byte)'a', (byte)'t']);

        Assert.Contains("truncated: a chunk header at byte 36 needs 8 bytes but only 3 remain", Rejects(wav).Message);
    }

    [Fact]
    public void Rejects_truncated_fmt_chunk()
    {
        var fmt = Fmt();
        var wav = Riff("WAVE", fmt[..20]);

        Assert.Contains("chunk 'fmt ' declares 16 bytes but only 12 remain", Rejects(wav).Message);
    }

    [Fact]
    public void Rejects_truncated_data_chunk_with_a_real_declared_size()
    {
        var wav = Riff("WAVE", Fmt(), Chunk("data", [1, 0, 2, 0], declaredSize: 400));

        Assert.Contains("'data' chunk declares 400 bytes but only 4 are present", Rejects(wav).Message);
    }

    [Fact]
    public void Rejects_missing_fmt_chunk()
    {
        Assert.Equal("The WAV file has no 'fmt ' chunk.", Rejects(Riff("WAVE", Chunk("LIST", [1, 2]))).Message);
    }

    [Fact]
    public void Rejects_data_before_fmt()
    {
        Assert.Contains("no 'fmt ' chunk before its 'data' chunk", Rejects(Riff("WAVE", Data(1, 2), Fmt())).Message);
    }

    [Fact]
    public void Rejects_missing_data_chunk()
    {
        Assert.Equal("The WAV file has no 'data' chunk.", Rejects(Riff("WAVE", Fmt())).Message);
    }

    [Fact]
    public void Rejects_fmt_chunk_shorter_than_16_bytes()
    {
        Assert.Contains("'fmt ' chunk is 14 bytes; at least 16", Rejects(Riff("WAVE", Chunk("fmt ", new byte[14]), Data(1))).Message);
    }

    [Fact]
    public void Rejects_data_length_not_multiple_of_block_align()
    {
        var wav = Riff("WAVE", Fmt(channels: 2), Chunk("data", [1, 0, 2, 0, 3, 0]));

        Assert.Contains("'data' chunk is 6 bytes, which is not a whole number of 4-byte sample frames", Rejects(wav).Message);
    }

    [Fact]
    public void Rejects_ieee_float()
    {
        Assert.Contains("Unsupported WAV encoding: IEEE float", Rejects(Riff("WAVE", Fmt(tag: 3, bits: 32), Data(0, 0))).Message);
    }

    [Fact]
    public void Rejects_extensible_float()
    {
        Assert.Contains("Unsupported WAV encoding: IEEE float", Rejects(Riff("WAVE", FmtExtensible(subFormat: 3, bits: 32), Data(0, 0, 0, 0))).Message);
    }

    [Fact]
    public void Rejects_adpcm()
    {
        Assert.Contains("Unsupported WAV encoding: Microsoft ADPCM", Rejects(Riff("WAVE", Fmt(tag: 2, bits: 4, blockAlign: 256), Data(0))).Message);
    }

    [Fact]
    public void Rejects_8_bit_pcm()
    {
        Assert.Contains("uses 8-bit samples; only 16-bit PCM", Rejects(Riff("WAVE", Fmt(bits: 8), Data(0))).Message);
    }

    [Fact]
    public void Rejects_24_bit_pcm()
    {
        Assert.Contains("uses 24-bit samples; only 16-bit PCM", Rejects(Riff("WAVE", Fmt(bits: 24), Chunk("data", new byte[6]))).Message);
    }

    [Fact]
    public void Rejects_zero_channels()
    {
        Assert.Equal("The WAV file declares zero channels.", Rejects(Riff("WAVE", Fmt(channels: 0, blockAlign: 2), Data(0))).Message);
    }

    [Fact]
    public void Rejects_more_than_eight_channels()
    {
        Assert.Contains("has 9 channels; at most 8", Rejects(Riff("WAVE", Fmt(channels: 9), Data(0))).Message);
    }

    [Fact]
    public void Rejects_zero_sample_rate()
    {
        Assert.Equal("The WAV file declares a sample rate of zero.", Rejects(Riff("WAVE", Fmt(sampleRate: 0), Data(0))).Message);
    }

    [Theory]
    [InlineData(7999u)]
    [InlineData(192001u)]
    public void Rejects_sample_rate_out_of_range(uint sampleRate)
    {
        Assert.Contains($"sample rate {sampleRate} Hz is not supported", Rejects(Riff("WAVE", Fmt(sampleRate: sampleRate), Data(0))).Message);
    }

    [Fact]
    public void Rejects_inconsistent_block_align()
    {
        Assert.Contains("block align is 2 but 2 channel(s) of 16-bit samples need 4", Rejects(Riff("WAVE", Fmt(channels: 2, blockAlign: 2, byteRate: 64000), Data(0, 0))).Message);
    }

    [Fact]
    public void Rejects_inconsistent_byte_rate()
    {
        Assert.Contains("byte rate is 1000 but 16000 Hz x 2 bytes per frame is 32000", Rejects(Riff("WAVE", Fmt(byteRate: 1000), Data(0))).Message);
    }

    [Fact]
    public void Decodes_multichannel_44100_to_16k_mono_with_correct_duration()
    {
        const int Channels = 6;
        var frames = 44100 * 3 / 2;
        var source = new PcmAudio(Signals.Sine(500, 44100, frames, amplitude: 0.4, channels: Channels), 44100, Channels);
        var decoded = WavCodec.Decode(WavCodec.Encode(source));

        var speech = decoded.ToMono().ResampleTo(AudioFormat.SpeechSampleRate);

        Assert.Equal(1, speech.Channels);
        Assert.Equal(16000, speech.SampleRate);
        Assert.InRange(speech.FrameCount, 23999, 24001);
        Assert.InRange(speech.Duration.TotalMilliseconds, 1499.9, 1500.1);
        var expected = Signals.Sine(500, 16000, speech.FrameCount, amplitude: 0.4);
        Assert.True(Signals.SnrDb(expected.AsSpan(800, 20000), speech.Samples.AsSpan(800, 20000)) > 40, "resampled sine should match an ideal 16 kHz sine");
    }
}
