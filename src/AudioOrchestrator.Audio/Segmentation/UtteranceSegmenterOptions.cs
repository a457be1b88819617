namespace AudioOrchestrator.Audio;

/// <summary>Tuning of <see cref="UtteranceSegmenter"/>. Check with <see cref="Validate"/> or <see cref="UtteranceSegmenterOptionsValidator"/>.</summary>
public sealed class UtteranceSegmenterOptions
{
    /// <summary>Absolute level a frame must exceed to count as speech.</summary>
    public double SpeechThresholdDbfs { get; set; } = -45;

    /// <summary>Frames must also exceed the adaptive noise floor by this much to count as speech.</summary>
    public double NoiseFloorMarginDb { get; set; } = 12;

    /// <summary>Speech needed in an utterance for it to be emitted; shorter blips (clicks) are dropped.</summary>
    public int MinSpeechMs { get; set; } = 100;

    /// <summary>
    /// Silence after speech that ends the utterance. 500 ms: on the labelled corpus (phrase pauses of 150-450 ms) 450 ms
    /// splits 6.5 % of utterances, 500 ms 2.3 %, 550 ms 0.9 %; each 50 ms more is 50 ms later answers (docs/benchmarks.md).
    /// </summary>
    public int EndOfUtteranceSilenceMs { get; set; } = 500;

    /// <summary>
    /// Silence after speech at which the utterance is offered as <see cref="UtteranceSegmenter.Tentative"/>, so its
    /// answer can be prepared before the end of the utterance is certain (preemptive answering); 0 = never. Must be
    /// shorter than <see cref="EndOfUtteranceSilenceMs"/>.
    /// </summary>
    public int PreemptiveSilenceMs { get; set; }

    /// <summary>Audio before the first speech frame prepended to the utterance.</summary>
    public int PreRollMs { get; set; } = 300;

    /// <summary>Utterances are cut when this much time has passed since their speech started.</summary>
    public int MaxUtteranceMs { get; set; } = 15000;

    /// <summary>Returns every problem found; empty when the options are usable.</summary>
    public IReadOnlyList<string> Validate()
    {
        var problems = new List<string>();
        if (double.IsNaN(SpeechThresholdDbfs) || SpeechThresholdDbfs is < PcmMath.SilenceDbfs or > 0)
        {
            problems.Add($"{nameof(SpeechThresholdDbfs)} must be between {PcmMath.SilenceDbfs} and 0 dBFS (was {SpeechThresholdDbfs}).");
        }

        if (double.IsNaN(NoiseFloorMarginDb) || NoiseFloorMarginDb is < 0 or > 60)
        {
            problems.Add($"{nameof(NoiseFloorMarginDb)} must be between 0 and 60 dB (was {NoiseFloorMarginDb}).");
        }

        if (MinSpeechMs < AudioFormat.FrameMilliseconds)
        {
            problems.Add($"{nameof(MinSpeechMs)} must be at least {AudioFormat.FrameMilliseconds} ms (was {MinSpeechMs}).");
        }

        if (EndOfUtteranceSilenceMs < AudioFormat.FrameMilliseconds)
        {
            problems.Add($"{nameof(EndOfUtteranceSilenceMs)} must be at least {AudioFormat.FrameMilliseconds} ms (was {EndOfUtteranceSilenceMs}).");
        }

        if (PreemptiveSilenceMs != 0 && (PreemptiveSilenceMs < AudioFormat.FrameMilliseconds || PreemptiveSilenceMs >= EndOfUtteranceSilenceMs))
        {
            problems.Add($"{nameof(PreemptiveSilenceMs)} must be 0 (off) or between {AudioFormat.FrameMilliseconds} ms and {nameof(EndOfUtteranceSilenceMs)} ({EndOfUtteranceSilenceMs} ms), exclusive (was {PreemptiveSilenceMs}).");
        }

        if (PreRollMs is < 0 or > 10_000)
        {
            problems.Add($"{nameof(PreRollMs)} must be between 0 and 10000 ms (was {PreRollMs}).");
        }

        if (MaxUtteranceMs is < 1000 or > 600_000)
        {
            problems.Add($"{nameof(MaxUtteranceMs)} must be between 1000 and 600000 ms (was {MaxUtteranceMs}).");
        }
        else if (MaxUtteranceMs <= MinSpeechMs)
        {
            problems.Add($"{nameof(MaxUtteranceMs)} ({MaxUtteranceMs}) must be greater than {nameof(MinSpeechMs)} ({MinSpeechMs}).");
        }

        return problems;
    }

    /// <summary>Throws <see cref="ArgumentException"/> listing every problem.</summary>
    public void ThrowIfInvalid()
    {
        var problems = Validate();
        if (problems.Count > 0)
        {
            throw new ArgumentException("Invalid utterance segmenter options: " + string.Join(" ", problems));
        }
    }
}
