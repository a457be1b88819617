using AudioOrchestrator.Audio;

namespace AudioOrchestrator.Testing.Corpus;

/// <summary>How the front-end did on one labelled utterance. Errors are detected minus true times; null when not exactly one segment.</summary>
public sealed record UtteranceOutcome(
    LabelledUtterance Truth,
    int Segments,
    TimeSpan? SpeechStartError,
    TimeSpan? SpeechEndError,
    TimeSpan? AudioStartError,
    TimeSpan? EndOfUtteranceDelay);

/// <summary>
/// Scores of a corpus run. A false cut-off is an utterance heard as two or more segments (split at a phrase pause), a
/// merge is a segment spanning two or more utterances, a miss an utterance no segment overlaps, a spurious segment one
/// that overlaps no utterance.
/// </summary>
public sealed record CorpusScore(IReadOnlyList<UtteranceOutcome> Outcomes, int MergedSegments, int SpuriousSegments)
{
    public int Utterances => Outcomes.Count;

    public int FalseCutoffs => Outcomes.Count(o => o.Segments >= 2);

    public int Missed => Outcomes.Count(o => o.Segments == 0);

    public double FalseCutoffRate => (double)FalseCutoffs / Math.Max(1, Utterances);

    /// <summary>Utterances heard as exactly one segment.</summary>
    public IEnumerable<UtteranceOutcome> Clean => Outcomes.Where(o => o.Segments == 1);

    /// <summary>Percentile (0-100, nearest rank) of the end-of-utterance delay: end of speech to the segmenter's decision.</summary>
    public double EouDelayMsPercentile(double percentile) =>
        Percentile(Clean.Select(o => o.EndOfUtteranceDelay!.Value.TotalMilliseconds), percentile);

    public static double Percentile(IEnumerable<double> values, double percentile)
    {
        var sorted = values.Order().ToArray();
        if (sorted.Length == 0)
        {
            return double.NaN;
        }

        var rank = (int)Math.Ceiling(percentile / 100 * sorted.Length);
        return sorted[Math.Clamp(rank - 1, 0, sorted.Length - 1)];
    }

    public override string ToString() =>
        $"{Utterances} utterances: {Outcomes.Count(o => o.Segments == 1)} as one segment, {FalseCutoffs} split, {Missed} missed, " +
        $"{MergedSegments} merged segments, {SpuriousSegments} spurious; EOU delay p50 {EouDelayMsPercentile(50):F0} ms, p95 {EouDelayMsPercentile(95):F0} ms";
}

/// <summary>Runs a <see cref="UtteranceDecoder"/> over a <see cref="LabelledCorpus"/> and scores the segments against the labels.</summary>
public static class CorpusEvaluator
{
    /// <summary>Pushes every packet that arrived (lost ones are skipped, so the jitter buffer sees the gaps) and flushes.</summary>
    public static List<SegmentedUtterance> Run(LabelledCorpus corpus, UtteranceDecoder frontEnd)
    {
        ArgumentNullException.ThrowIfNull(corpus);
        ArgumentNullException.ThrowIfNull(frontEnd);
        var segments = new List<SegmentedUtterance>();
        for (var i = 0; i < corpus.Packets.Count; i++)
        {
            if (corpus.Packets[i] is { } packet)
            {
                frontEnd.Push(unchecked((ushort)i), packet, segments);
            }
        }

        frontEnd.Flush(segments);
        return segments;
    }

    public static CorpusScore Score(LabelledCorpus corpus, IReadOnlyList<SegmentedUtterance> segments)
    {
        ArgumentNullException.ThrowIfNull(corpus);
        ArgumentNullException.ThrowIfNull(segments);
        static bool Overlaps(SegmentedUtterance s, LabelledUtterance u) => s.SpeechStart < u.SpeechEnd && s.SpeechEnd > u.SpeechStart;

        var outcomes = corpus.Utterances.Select(truth =>
        {
            var heard = segments.Where(s => Overlaps(s, truth)).ToList();
            if (heard.Count != 1)
            {
                return new UtteranceOutcome(truth, heard.Count, null, null, null, null);
            }

            var s = heard[0];
            return new UtteranceOutcome(truth, 1, s.SpeechStart - truth.SpeechStart, s.SpeechEnd - truth.SpeechEnd, s.AudioStart - truth.SpeechStart, s.DecidedAt - truth.SpeechEnd);
        }).ToList();
        var merged = segments.Count(s => corpus.Utterances.Count(u => Overlaps(s, u)) >= 2);
        var spurious = segments.Count(s => !corpus.Utterances.Any(u => Overlaps(s, u)));
        return new CorpusScore(outcomes, merged, spurious);
    }
}
