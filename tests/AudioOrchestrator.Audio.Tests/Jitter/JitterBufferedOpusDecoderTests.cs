using AudioOrchestrator.Audio;

namespace AudioOrchestrator.Audio.Tests.Jitter;

/// <summary>Real libopus behind the jitter buffer: reordering, FEC and concealment produce continuous audio.</summary>
public sealed class JitterBufferedOpusDecoderTests
{
    private const int Rate = 48000;
    private const int Frame = 960;

    private static List<byte[]> EncodeTone(int frames, bool fec)
    {
        using var encoder = new OpusEncoder(Rate, 1, OpusApplication.Voip);
        if (fec)
        {
            encoder.InbandFec = true;
            encoder.PacketLossPercent = 20;
        }

        var pcm = new short[Frame];
        var packet = new byte[OpusEncoder.MaxPacketSize];
        var packets = new List<byte[]>();
        for (var f = 0; f < frames; f++)
        {
            for (var i = 0; i < Frame; i++)
            {
                pcm[i] = (short)(Math.Sin(2 * Math.PI * 440 * ((f * Frame) + i) / Rate) * 8000);
            }

            packets.Add(packet.AsSpan(0, encoder.Encode(pcm, packet)).ToArray());
        }

        return packets;
    }

    private static (int Frames, double Rms) Play(IEnumerable<(int Sequence, byte[] Packet)> arrivals, JitterBufferedOpusDecoder decoder)
    {
        var frames = 0;
        double sumSquares = 0;
        long samples = 0;
        void OnFrame(ReadOnlySpan<short> pcm)
        {
            frames++;
            foreach (var s in pcm)
            {
                sumSquares += (double)s * s;
            }

            samples += pcm.Length;
        }

        foreach (var (sequence, packet) in arrivals)
        {
            decoder.Push((ushort)sequence, packet, OnFrame);
        }

        decoder.Drain(OnFrame);
        return (frames, Math.Sqrt(sumSquares / Math.Max(1, samples)));
    }

    [Fact]
    public void Reordered_stream_with_a_lost_packet_plays_every_frame_without_a_hole()
    {
        var packets = EncodeTone(50, fec: true);
        var arrivals = packets.Select((p, i) => (Sequence: 1000 + i, Packet: p)).ToList();
        (arrivals[10], arrivals[11]) = (arrivals[11], arrivals[10]); // reordered
        arrivals.RemoveAt(30); // lost: recovered from packet 31's FEC
        using var decoder = new JitterBufferedOpusDecoder(Rate, 1);

        var (frames, rms) = Play(arrivals, decoder);

        Assert.Equal(50, frames);
        Assert.InRange(rms, 3000, 8000);
        Assert.Equal((1, 1, 0), (decoder.Statistics.Lost, decoder.Statistics.Recovered, decoder.Statistics.Concealed));
    }

    [Fact]
    public void Corrupt_packets_are_concealed_and_counted()
    {
        var packets = EncodeTone(20, fec: false);
        packets[5] = [0xFF, 0xFF, 0xFF, 0xFF];
        using var decoder = new JitterBufferedOpusDecoder(Rate, 1);

        var (frames, _) = Play(packets.Select((p, i) => (i, p)), decoder);

        Assert.Equal(20, frames);
        Assert.Equal(1, decoder.CorruptPackets);
    }
}
