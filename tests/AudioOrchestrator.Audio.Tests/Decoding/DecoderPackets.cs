using AudioOrchestrator.Audio.Tests.Support;

namespace AudioOrchestrator.Audio.Tests.Decoding;

/// <summary>48 kHz Opus packets (20 ms, in-band FEC on) of test signals made at 16 kHz.</summary>
internal static class DecoderPackets
{
    public const int Frame48k = 960;

    public static readonly byte[] SilenceFrame = [0xF8, 0xFF, 0xFE];

    /// <summary>Quiet 500 ms, a 1 s tone, quiet 1 s: one utterance for the energy detector.</summary>
    public static List<byte[]> OneUtterance() => Encode(new SignalBuilder().Quiet(500).Tone(1000).Quiet(1000).ToArray());

    public static List<byte[]> Encode(short[] samples16k)
    {
        var samples48k = new PcmAudio(samples16k, 16000, 1).ResampleTo(48000).Samples;
        using var encoder = new OpusEncoder(48000, 1);
        encoder.InbandFec = true;
        encoder.PacketLossPercent = 10;
        var packet = new byte[OpusEncoder.MaxPacketSize];
        var packets = new List<byte[]>();
        for (var offset = 0; offset + Frame48k <= samples48k.Length; offset += Frame48k)
        {
            packets.Add(packet.AsSpan(0, encoder.Encode(samples48k.AsSpan(offset, Frame48k), packet)).ToArray());
        }

        return packets;
    }

    /// <summary>Pushes packets with the given sequence numbers and flushes; returns the utterances.</summary>
    public static List<SegmentedUtterance> Play(UtteranceDecoder frontEnd, IEnumerable<(int Sequence, byte[] Packet)> arrivals)
    {
        var completed = new List<SegmentedUtterance>();
        foreach (var (sequence, packet) in arrivals)
        {
            frontEnd.Push((ushort)sequence, packet, completed);
        }

        frontEnd.Flush(completed);
        return completed;
    }

    public static IEnumerable<(int Sequence, byte[] Packet)> InOrder(IEnumerable<byte[]> packets, int firstSequence = 0) =>
        packets.Select((p, i) => (firstSequence + i, p));
}
