namespace AudioOrchestrator.Testing.Corpus;

/// <summary>
/// One test condition of the labelled corpus: <paramref name="Utterances"/> utterances made from <paramref name="Seed"/>,
/// noise mixed at <paramref name="SnrDb"/> dB SNR (measured on the speech parts; <see cref="double.PositiveInfinity"/> =
/// no noise) and <paramref name="LossPercent"/> % of the Opus packets dropped.
/// </summary>
public sealed record CorpusCondition(double SnrDb, double LossPercent, int Utterances, int Seed)
{
    public override string ToString() =>
        $"{(double.IsPositiveInfinity(SnrDb) ? "clean" : $"{SnrDb:0} dB SNR")}, {LossPercent:0.#} % loss, {Utterances} utterances (seed {Seed})";
}

/// <summary>A pause inside an utterance, between two phrase parts (stream time).</summary>
public sealed record PhrasePause(TimeSpan Start, TimeSpan End);

/// <summary>Ground truth of one utterance: first and last speech sample of its phrase parts (stream time), the pauses between them.</summary>
public sealed record LabelledUtterance(int Index, string Voice, string Text, TimeSpan SpeechStart, TimeSpan SpeechEnd, IReadOnlyList<PhrasePause> Pauses);

/// <summary>
/// A labelled stream: 48 kHz mono 20 ms Opus packets (in-band FEC on) numbered from 0, with null for a packet lost in
/// transit, and where each utterance's speech is. Packet <c>i</c> covers stream time <c>[i * 20 ms, (i + 1) * 20 ms)</c>.
/// </summary>
public sealed record LabelledCorpus(CorpusCondition Condition, IReadOnlyList<LabelledUtterance> Utterances, IReadOnlyList<byte[]?> Packets)
{
    public static readonly TimeSpan PacketDuration = TimeSpan.FromMilliseconds(20);

    public TimeSpan Duration => PacketDuration * Packets.Count;

    public int LostPackets => Packets.Count(p => p is null);
}
