namespace AudioOrchestrator.Load;

/// <summary>What one capacity step measured.</summary>
/// <param name="Speakers">Concurrently speaking users.</param>
/// <param name="TurnsAnswered">Turns whose answer reached the speaker.</param>
/// <param name="TurnsUnanswered">Turns spoken whose answer did not come within the answer timeout.</param>
/// <param name="DroppedFrames">Input frames the service dropped during the step (rate guard, ingress queues); -1 when it did not answer /metrics.</param>
/// <param name="OverheadMsP99">Turn overhead p99 (end-of-utterance decision to the first answer audio at the speaker, minus speech-to-text).</param>
/// <param name="InputLagEarlyMs">Median input lag (last speech frame sent to the end-of-utterance decision) of the step's first half.</param>
/// <param name="InputLagLateMs">The same in the step's second half: a growing lag is a growing backlog.</param>
internal sealed record StepFigures(int Speakers, int TurnsAnswered, int TurnsUnanswered, long DroppedFrames, double OverheadMsP99, double InputLagEarlyMs, double InputLagLateMs);

/// <summary>Why a step lost real time (none when it held).</summary>
internal sealed record StepVerdict(bool Held, IReadOnlyList<string> Reasons);

/// <summary>
/// The ramp's rule: a step holds real time when every turn is answered (at most <see cref="MaxUnansweredRatio"/> lost to
/// the detector), no input frame was dropped, turn overhead p99 stays within <see cref="MaxOverheadMs"/> and the input
/// lag does not grow by more than <see cref="MaxBacklogGrowthMs"/> from the first half of the step to the second.
/// </summary>
internal static class CapacityRamp
{
    public const double MaxOverheadMs = 20;
    public const double MaxBacklogGrowthMs = 100;
    public const double MaxUnansweredRatio = 0.02;

    /// <param name="step">The step's figures.</param>
    /// <param name="maxOverheadMs">The overhead budget (the 20 ms unless the command line says otherwise).</param>
    public static StepVerdict Judge(StepFigures step, double maxOverheadMs = MaxOverheadMs)
    {
        ArgumentNullException.ThrowIfNull(step);
        List<string> reasons = [];
        if (step.TurnsAnswered == 0)
        {
            reasons.Add("no turn answered");
        }

        var spoken = step.TurnsAnswered + step.TurnsUnanswered;
        if (spoken > 0 && (double)step.TurnsUnanswered / spoken > MaxUnansweredRatio)
        {
            reasons.Add($"{step.TurnsUnanswered} of {spoken} turns unanswered");
        }

        if (step.DroppedFrames < 0)
        {
            reasons.Add("the service did not answer /metrics");
        }

        if (step.DroppedFrames > 0)
        {
            reasons.Add($"{step.DroppedFrames} input frames dropped");
        }

        if (!(step.OverheadMsP99 <= maxOverheadMs))
        {
            reasons.Add($"turn overhead p99 {step.OverheadMsP99:0.0} ms > {maxOverheadMs} ms");
        }

        if (step.InputLagLateMs - step.InputLagEarlyMs > MaxBacklogGrowthMs)
        {
            reasons.Add($"input lag grew {step.InputLagEarlyMs:0} -> {step.InputLagLateMs:0} ms");
        }

        return new StepVerdict(reasons.Count == 0, reasons);
    }

    /// <summary>The next step's speaker count, or null when the ramp stops (a step lost real time or the cap is reached).</summary>
    public static int? Next(StepVerdict verdict, int speakers, int step, int maxSpeakers)
    {
        ArgumentNullException.ThrowIfNull(verdict);
        return verdict.Held && speakers < maxSpeakers ? Math.Min(maxSpeakers, speakers + step) : null;
    }
}

/// <summary>Growth of a gauge between two readings (soak).</summary>
internal static class GrowthRatio
{
    /// <summary>(end − start) / start; 0 when start is 0 and nothing grew.</summary>
    public static double Of(double start, double end) =>
        start > 0 ? (end - start) / start : end > 0 ? double.PositiveInfinity : 0;
}
