namespace AudioOrchestrator.Audio.Bench;

/// <summary>
/// The raw per-speaker front-end on 48 kHz Opus: decode each 20 ms packet to mono, resample 48k -> 16k with libsoxr,
/// run Silero on every 512-sample window. Each stage is timed over the whole input in its own pass, best of three (CPU seconds
/// per speaker-second of audio).
/// </summary>
internal static class FrontEndBench
{
    private const int FrameSamples48k = 960;

    public static (double Decode, double Resample, double Silero, double Total) Raw(SileroVadModel model, SileroVadOptions options, short[] speech48k)
    {
        var packets = Encode(speech48k);
        var audioSeconds = packets.Count * 0.02;

        // Warm-up pass of all three stages, then each stage timed alone.
        var pcm48 = Decode(packets);
        var pcm16 = Resample(pcm48);
        Silero(model, options, pcm16);

        double decode = double.MaxValue, resample = double.MaxValue, silero = double.MaxValue;
        for (var repetition = 0; repetition < 3; repetition++)
        {
            var cpu = SileroBench.CpuTime();
            pcm48 = Decode(packets);
            decode = Math.Min(decode, (SileroBench.CpuTime() - cpu).TotalSeconds);
            cpu = SileroBench.CpuTime();
            pcm16 = Resample(pcm48);
            resample = Math.Min(resample, (SileroBench.CpuTime() - cpu).TotalSeconds);
            cpu = SileroBench.CpuTime();
            Silero(model, options, pcm16);
            silero = Math.Min(silero, (SileroBench.CpuTime() - cpu).TotalSeconds);
        }

        return (decode / audioSeconds, resample / audioSeconds, silero / audioSeconds, (decode + resample + silero) / audioSeconds);
    }

    private static List<byte[]> Encode(short[] speech48k)
    {
        using var encoder = new OpusEncoder(48000, 2);
        var stereo = new short[FrameSamples48k * 2];
        var packet = new byte[OpusEncoder.MaxPacketSize];
        var packets = new List<byte[]>();
        for (var offset = 0; offset + FrameSamples48k <= speech48k.Length; offset += FrameSamples48k)
        {
            PcmMath.MonoToStereo(speech48k.AsSpan(offset, FrameSamples48k), stereo);
            var length = encoder.Encode(stereo, packet);
            packets.Add(packet.AsSpan(0, length).ToArray());
        }

        return packets;
    }

    private static short[] Decode(List<byte[]> packets)
    {
        // Discord sends stereo Opus; decoding straight to mono is legal and cheaper.
        using var decoder = new OpusDecoder(48000, 1);
        var output = new short[packets.Count * FrameSamples48k];
        var frame = new short[decoder.MaxFrameSamples];
        var written = 0;
        foreach (var packet in packets)
        {
            var samples = decoder.Decode(packet, frame);
            frame.AsSpan(0, samples).CopyTo(output.AsSpan(written));
            written += samples;
        }

        return output;
    }

    private static short[] Resample(short[] pcm48)
    {
        using var resampler = new StreamingResampler(48000, 16000, 1);
        var output = new short[(pcm48.Length / 3) + resampler.MaxOutputSamples(FrameSamples48k)];
        var frame = new short[resampler.MaxOutputSamples(FrameSamples48k)];
        var written = 0;
        for (var offset = 0; offset + FrameSamples48k <= pcm48.Length; offset += FrameSamples48k)
        {
            var samples = resampler.Process(pcm48.AsSpan(offset, FrameSamples48k), frame);
            var take = Math.Min(samples, output.Length - written);
            frame.AsSpan(0, take).CopyTo(output.AsSpan(written));
            written += take;
        }

        return output[..written];
    }

    private static void Silero(SileroVadModel model, SileroVadOptions options, short[] pcm16)
    {
        using var stream = new SileroVadStream(model, options);
        for (var offset = 0; offset + SileroVadModel.WindowSamples <= pcm16.Length; offset += SileroVadModel.WindowSamples)
        {
            stream.Process(pcm16.AsSpan(offset, SileroVadModel.WindowSamples));
        }
    }
}
