using System.Diagnostics;
using Concentus;
using ConcentusApplication = Concentus.Enums.OpusApplication;

namespace AudioOrchestrator.Audio.Bench;

/// <summary>
/// Opus encode and decode per 20 ms frame of 48 kHz mono speech, measured side by side in one run: the product's libopus
/// binding, Concentus' managed codec, and whatever Concentus' factory picks (it prefers a native libopus when one loads).
/// Same settings for all (VoIP, 64 kbit/s, the given complexity); each codec runs the clip several times, interleaved,
/// and the best pass counts. Also the mean packet size, since a codec that does less analysis may spend bits otherwise.
/// </summary>
public static class OpusCodecBench
{
    private const int FrameSamples = 960;
    private const int Bitrate = 64_000;

    public sealed record Figures(double EncodeUs, double DecodeUs, double MeanPacketBytes);

    public static (Figures Libopus, Figures ConcentusManaged, Figures ConcentusFactory, string FactoryKind) Run(short[] speech48k, int complexity, int passes = 5)
    {
        var frames = speech48k.Length / FrameSamples;
        var packets = Encode(new LibopusCodec(complexity), speech48k, frames);
        var sizes = new double[3];
        var best = new double[3, 2];
        for (var i = 0; i < 3; i++)
        {
            best[i, 0] = best[i, 1] = double.MaxValue;
        }

        var factoryKind = "";
        for (var pass = 0; pass < passes; pass++)
        {
            ICodec[] codecs = [new LibopusCodec(complexity), new ConcentusManagedCodec(complexity), new ConcentusFactoryCodec(complexity)];
            factoryKind = ((ConcentusFactoryCodec)codecs[2]).Kind;
            for (var c = 0; c < codecs.Length; c++)
            {
                var started = Stopwatch.GetTimestamp();
                sizes[c] = Encode(codecs[c], speech48k, frames).Average(p => p.Length);
                best[c, 0] = Math.Min(best[c, 0], Stopwatch.GetElapsedTime(started).TotalMicroseconds / frames);
                started = Stopwatch.GetTimestamp();
                Decode(codecs[c], packets);
                best[c, 1] = Math.Min(best[c, 1], Stopwatch.GetElapsedTime(started).TotalMicroseconds / frames);
                (codecs[c] as IDisposable)?.Dispose();
            }
        }

        return (new Figures(best[0, 0], best[0, 1], sizes[0]), new Figures(best[1, 0], best[1, 1], sizes[1]), new Figures(best[2, 0], best[2, 1], sizes[2]), factoryKind);
    }

    private static List<byte[]> Encode(ICodec codec, short[] samples, int frames)
    {
        var packets = new List<byte[]>(frames);
        var packet = new byte[4000];
        for (var i = 0; i < frames; i++)
        {
            var length = codec.Encode(samples.AsSpan(i * FrameSamples, FrameSamples), packet);
            packets.Add(packet.AsSpan(0, length).ToArray());
        }

        return packets;
    }

    private static void Decode(ICodec codec, List<byte[]> packets)
    {
        var pcm = new short[FrameSamples];
        foreach (var packet in packets)
        {
            codec.Decode(packet, pcm);
        }
    }

    private interface ICodec
    {
        int Encode(ReadOnlySpan<short> frame, Span<byte> packet);

        void Decode(ReadOnlySpan<byte> packet, Span<short> pcm);
    }

    private sealed class LibopusCodec(int complexity) : ICodec, IDisposable
    {
        private readonly OpusEncoder _encoder = new(48_000, 1) { Bitrate = Bitrate, Complexity = complexity };
        private readonly OpusDecoder _decoder = new(48_000, 1);

        public int Encode(ReadOnlySpan<short> frame, Span<byte> packet) => _encoder.Encode(frame, packet);

        public void Decode(ReadOnlySpan<byte> packet, Span<short> pcm) => _decoder.Decode(packet, pcm);

        public void Dispose()
        {
            _encoder.Dispose();
            _decoder.Dispose();
        }
    }

#pragma warning disable CS0618 // The managed structs are what "managed Concentus" means; the factory may pick native code.
    private sealed class ConcentusManagedCodec(int complexity) : ICodec
    {
        private readonly Concentus.Structs.OpusEncoder _encoder = new(48_000, 1, ConcentusApplication.OPUS_APPLICATION_VOIP) { Bitrate = Bitrate, Complexity = complexity };
        private readonly Concentus.Structs.OpusDecoder _decoder = new(48_000, 1);

        public int Encode(ReadOnlySpan<short> frame, Span<byte> packet) => _encoder.Encode(frame, FrameSamples, packet, packet.Length);

        public void Decode(ReadOnlySpan<byte> packet, Span<short> pcm) => _decoder.Decode(packet, pcm, FrameSamples, false);
    }
#pragma warning restore CS0618

    private sealed class ConcentusFactoryCodec : ICodec, IDisposable
    {
        public ConcentusFactoryCodec(int complexity)
        {
            _encoder.Bitrate = Bitrate;
            _encoder.Complexity = complexity;
        }

        private readonly IOpusEncoder _encoder = OpusCodecFactory.CreateEncoder(48_000, 1, ConcentusApplication.OPUS_APPLICATION_VOIP);
        private readonly IOpusDecoder _decoder = OpusCodecFactory.CreateDecoder(48_000, 1);

        public string Kind => _encoder.GetType().Name;

        public int Encode(ReadOnlySpan<short> frame, Span<byte> packet) => _encoder.Encode(frame, FrameSamples, packet, packet.Length);

        public void Decode(ReadOnlySpan<byte> packet, Span<short> pcm) => _decoder.Decode(packet, pcm, FrameSamples, false);

        public void Dispose()
        {
            (_encoder as IDisposable)?.Dispose();
            (_decoder as IDisposable)?.Dispose();
        }
    }
}
