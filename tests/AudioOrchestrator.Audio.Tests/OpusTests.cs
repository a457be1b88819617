using AudioOrchestrator.Audio.Tests.Support;

namespace AudioOrchestrator.Audio.Tests;

public sealed class OpusTests
{
    private const int Rate = AudioFormat.OpusSampleRate;
    private const int FrameSamples = 960;

    /// <summary>Nominal encoder look-ahead plus decoder delay at 48 kHz (6.5 ms); SILK/hybrid paths land within a few samples of it.</summary>
    private const int OpusAlgorithmicDelay = 312;

    private static List<byte[]> EncodeFrames(OpusEncoder encoder, short[] interleaved)
    {
        var frameLength = FrameSamples * encoder.Channels;
        var packet = new byte[OpusEncoder.MaxPacketSize];
        var packets = new List<byte[]>();
        for (var offset = 0; offset + frameLength <= interleaved.Length; offset += frameLength)
        {
            var length = encoder.Encode(interleaved.AsSpan(offset, frameLength), packet);
            packets.Add(packet[..length]);
        }

        return packets;
    }

    private static short[] DecodeAll(OpusDecoder decoder, IEnumerable<byte[]> packets)
    {
        var output = new List<short>();
        var pcm = new short[decoder.MaxFrameSamples * decoder.Channels];
        foreach (var packet in packets)
        {
            var frames = decoder.Decode(packet, pcm);
            Assert.Equal(FrameSamples, frames);
            output.AddRange(pcm.AsSpan(0, frames * decoder.Channels));
        }

        return [.. output];
    }

    private static short[] Channel(short[] interleaved, int channels, int channel) =>
        [.. interleaved.Where((_, i) => i % channels == channel)];

    private static void AssertSimilar(short[] reference, short[] decoded)
    {
        // Skip the codec's start-up and compare one second after aligning for its algorithmic delay.
        var length = Math.Min(Rate, reference.Length - 4800 - 1000);
        var (correlation, lag) = Signals.BestAlignment(reference.AsSpan(4800), decoded.AsSpan(4800), maxLag: 600, length);
        Assert.True(correlation > 0.95, $"correlation {correlation:F3} at lag {lag}");
        Assert.InRange(lag, OpusAlgorithmicDelay - 12, OpusAlgorithmicDelay + 12);
        var snr = Signals.SnrDb(reference.AsSpan(4800, length), decoded.AsSpan(4800 + lag, length));
        Assert.True(snr > 10, $"SNR {snr:F1} dB");
        TestContext.Current.SendDiagnosticMessage($"correlation {correlation:F4}, lag {lag}, SNR {snr:F1} dB");
    }

    [Fact]
    public void Mono_sine_round_trips()
    {
        using var encoder = new OpusEncoder(Rate, 1);
        using var decoder = new OpusDecoder(Rate, 1);
        var chirp = Signals.Chirp(200, 2000, 2, Rate);

        var packets = EncodeFrames(encoder, chirp);
        var decoded = DecodeAll(decoder, packets);

        Assert.Equal(100, packets.Count);
        Assert.Equal(chirp.Length, decoded.Length);
        AssertSimilar(chirp, decoded);
    }

    [Fact]
    public void Stereo_sine_round_trips_on_both_channels()
    {
        using var encoder = new OpusEncoder(Rate, 2, OpusApplication.Audio);
        using var decoder = new OpusDecoder(Rate, 2);
        var left = Signals.Chirp(200, 2000, 2, Rate);
        var right = Signals.Chirp(1500, 300, 2, Rate, amplitude: 0.3);
        var stereo = new short[left.Length * 2];
        for (var i = 0; i < left.Length; i++)
        {
            stereo[2 * i] = left[i];
            stereo[(2 * i) + 1] = right[i];
        }

        var decoded = DecodeAll(decoder, EncodeFrames(encoder, stereo));

        Assert.Equal(stereo.Length, decoded.Length);
        AssertSimilar(left, Channel(decoded, 2, 0));
        AssertSimilar(right, Channel(decoded, 2, 1));
    }

    [Fact]
    public void Stereo_stream_decodes_to_mono()
    {
        using var encoder = new OpusEncoder(Rate, 2);
        using var decoder = new OpusDecoder(Rate, 1);
        var mono = Signals.Chirp(300, 1800, 2, Rate);
        var stereo = Signals.Chirp(300, 1800, 2, Rate, channels: 2);

        var decoded = DecodeAll(decoder, EncodeFrames(encoder, stereo));

        Assert.Equal(mono.Length, decoded.Length);
        AssertSimilar(mono, decoded);
    }

    [Fact]
    public void Encoder_rejects_wrong_frame_size()
    {
        using var encoder = new OpusEncoder(16000, 2);
        var packet = new byte[OpusEncoder.MaxPacketSize];

        var error = Assert.Throws<ArgumentException>(() => encoder.Encode(new short[320], packet));

        Assert.Contains("640 interleaved samples", error.Message);
        Assert.Equal(320, encoder.FrameSamples);
    }

    [Fact]
    public void Unsupported_rate_or_channels_are_rejected()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new OpusEncoder(44100, 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => new OpusDecoder(48000, 3));
    }

    [Fact]
    public void Corrupt_packet_throws_opus_exception_and_decoder_keeps_working()
    {
        using var encoder = new OpusEncoder(Rate, 1);
        using var decoder = new OpusDecoder(Rate, 1);
        var packets = EncodeFrames(encoder, Signals.Sine(440, Rate, FrameSamples * 3));
        var pcm = new short[decoder.MaxFrameSamples];
        Assert.Equal(FrameSamples, decoder.Decode(packets[0], pcm));

        // TOC code 3 (arbitrary frame count) with a frame count of zero is malformed.
        var error = Assert.Throws<OpusException>(() => decoder.Decode([0x03, 0x00], pcm));

        Assert.Equal(OpusException.InvalidPacket, error.ErrorCode);
        Assert.Equal("corrupted stream", error.NativeMessage);
        Assert.Contains("corrupted stream", error.Message);
        Assert.Equal(FrameSamples, decoder.Decode(packets[1], pcm));
        Assert.Contains(pcm.AsSpan(0, FrameSamples).ToArray(), s => Math.Abs((int)s) > 1000);
    }

    [Fact]
    public void Empty_packet_is_reported_as_corrupt()
    {
        using var decoder = new OpusDecoder(Rate, 1);

        var error = Assert.Throws<OpusException>(() => decoder.Decode([], new short[FrameSamples]));

        Assert.Equal(OpusException.InvalidPacket, error.ErrorCode);
        Assert.Contains("empty packet", error.Message);
    }

    [Fact]
    public void Too_small_output_buffer_is_reported_by_libopus()
    {
        using var encoder = new OpusEncoder(Rate, 1);
        using var decoder = new OpusDecoder(Rate, 1);
        var packet = EncodeFrames(encoder, Signals.Sine(440, Rate, FrameSamples))[0];

        var error = Assert.Throws<OpusException>(() => decoder.Decode(packet, new short[480]));

        Assert.Equal(OpusException.BufferTooSmall, error.ErrorCode);
    }

    [Fact]
    public void Conceal_produces_a_frame_of_the_requested_length()
    {
        using var encoder = new OpusEncoder(Rate, 2);
        using var decoder = new OpusDecoder(Rate, 2);
        var packets = EncodeFrames(encoder, Signals.Sine(440, Rate, FrameSamples * 5, channels: 2));
        var pcm = new short[decoder.MaxFrameSamples * 2];
        foreach (var packet in packets)
        {
            decoder.Decode(packet, pcm);
        }

        Array.Clear(pcm);
        Assert.Equal(FrameSamples, decoder.Conceal(pcm, FrameSamples));
        Assert.True(PcmMath.RmsDbfs(pcm.AsSpan(0, 480)) > -40, "concealment should continue the tone at first");
        Assert.Throws<ArgumentOutOfRangeException>(() => decoder.Conceal(pcm, 100));
    }

    [Fact]
    public void Fec_recovers_a_lost_frame_of_the_requested_length()
    {
        using var encoder = new OpusEncoder(Rate, 1) { InbandFec = true, PacketLossPercent = 20, Bitrate = 32000 };
        using var decoder = new OpusDecoder(Rate, 1);
        var sine = Signals.Sine(300, Rate, FrameSamples * 50, amplitude: 0.3);
        var packets = EncodeFrames(encoder, sine);
        var pcm = new short[decoder.MaxFrameSamples];
        for (var i = 0; i < 30; i++)
        {
            decoder.Decode(packets[i], pcm);
        }

        // Packet 30 is lost; recover it from packet 31's FEC data, then decode 31 normally.
        Array.Clear(pcm);
        var recovered = decoder.DecodeFec(packets[31], pcm, FrameSamples);

        Assert.Equal(FrameSamples, recovered);
        Assert.True(PcmMath.RmsDbfs(pcm.AsSpan(0, FrameSamples)) > -30, "recovered frame should carry the tone");
        Assert.Equal(FrameSamples, decoder.Decode(packets[31], pcm));
    }

    [Fact]
    public void Encoder_ctls_set_and_read_back()
    {
        using var encoder = new OpusEncoder(16000, 1);

        encoder.Bitrate = 24000;
        encoder.InbandFec = true;
        encoder.PacketLossPercent = 15;

        Assert.Equal(24000, encoder.Bitrate);
        Assert.True(encoder.InbandFec);
        Assert.Equal(15, encoder.PacketLossPercent);
        encoder.InbandFec = false;
        Assert.False(encoder.InbandFec);
        Assert.Throws<OpusException>(() => encoder.Bitrate = -5);
    }

    [Fact]
    public void Reset_restores_fresh_decoder_output()
    {
        using var encoder = new OpusEncoder(Rate, 1);
        var packets = EncodeFrames(encoder, Signals.Sine(440, Rate, FrameSamples * 4));
        using var fresh = new OpusDecoder(Rate, 1);
        using var reused = new OpusDecoder(Rate, 1);
        var expected = new short[FrameSamples];
        var actual = new short[FrameSamples];
        fresh.Decode(packets[0], expected);
        reused.Decode(packets[2], actual);
        reused.Decode(packets[3], actual);

        reused.Reset();
        reused.Decode(packets[0], actual);

        Assert.Equal(expected, actual);
    }

    [Fact]
    public void Use_after_dispose_throws()
    {
        var decoder = new OpusDecoder(Rate, 1);
        decoder.Dispose();

        Assert.Throws<ObjectDisposedException>(() => decoder.Conceal(new short[FrameSamples], FrameSamples));
    }

    [Fact]
    public void Packetizer_round_trips_16k_mono_through_48k_packets()
    {
        var audio = new PcmAudio(Signals.Chirp(200, 2000, 1.00625, 16000), 16000, 1);

        var packets = OpusPacketizer.Encode(audio);
        var decoded = OpusPacketizer.Decode(packets.Select(p => new ReadOnlyMemory<byte>(p)));

        Assert.Equal(51, packets.Count);
        Assert.Equal(48000, decoded.SampleRate);
        Assert.Equal(1, decoded.Channels);
        Assert.Equal(51 * FrameSamples, decoded.FrameCount);
        AssertSimilar(Signals.Chirp(200, 2000, 1.00625, Rate), decoded.Samples);
    }

    [Fact]
    public void Packetizer_encodes_stereo_from_mono_and_decodes_stereo()
    {
        var audio = new PcmAudio(Signals.Sine(440, 48000, 48000, amplitude: 0.4), 48000, 1);

        var decoded = OpusPacketizer.Decode(OpusPacketizer.Encode(audio, channels: 2).Select(p => new ReadOnlyMemory<byte>(p)), channels: 2);

        Assert.Equal(2, decoded.Channels);
        Assert.Equal(48000, decoded.FrameCount);
        var left = Channel(decoded.Samples, 2, 0);
        var right = Channel(decoded.Samples, 2, 1);
        Assert.True(Signals.Correlation(left, right) > 0.99);
    }

    [Fact]
    public void Packetizer_of_empty_audio_is_empty()
    {
        Assert.Empty(OpusPacketizer.Encode(new PcmAudio([], 16000, 1)));
        Assert.Equal(0, OpusPacketizer.Decode([]).FrameCount);
    }
}
