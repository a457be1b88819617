using System.Globalization;

namespace AudioOrchestrator.Load;

/// <summary>One measured window at a fixed speaker count: the turns spoken in it, drops, and the service's resources at both ends.</summary>
internal sealed record StepMeasurement(StepFigures Figures, IReadOnlyList<TurnSample> Turns, GaugeReading Start, GaugeReading End, TimeSpan Window, long HarnessLateTicks, int HarnessQueued)
{
    public double CpuMsPerSpeakerSecond => (End.CpuMs - Start.CpuMs) / (Window.TotalSeconds * Math.Max(1, Figures.Speakers));

    /// <summary>The service's CPU per second of the window, in ms.</summary>
    public double CpuMsPerSecond => (End.CpuMs - Start.CpuMs) / Window.TotalSeconds;

    public double InSiloMsP99 => Percentiles.Of(Turns.Where(t => t.Steady).Select(t => t.InSiloMs), 99);

    public double OverheadMsP50 => Percentiles.Of(Turns.Where(t => t.Steady).Select(t => t.OverheadMs), 50);

    /// <summary>How much longer a window is held at a time while it has fewer turns than asked for.</summary>
    private static readonly TimeSpan Extension = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Measures <paramref name="window"/> at the run's current speakers, held longer (up to four windows) until at least
    /// <paramref name="minTurns"/> turns were answered in it, so that a p99 rests on enough turns (with 50 turns it is
    /// simply the slowest one); the turns spoken in it are read <paramref name="grace"/> later (still at this load).
    /// </summary>
    public static async Task<StepMeasurement> TakeAsync(LoadRun run, TimeSpan window, TimeSpan grace, CancellationToken cancellationToken, int minTurns = 0)
    {
        ArgumentNullException.ThrowIfNull(run);
        var dropped = await run.DroppedFramesAsync(cancellationToken);
        var late = run.Pacer.LateTicks;
        var start = run.Target.Gauges();
        var from = DateTimeOffset.UtcNow;
        await Task.Delay(window, cancellationToken);
        while (run.Turns.Between(from, DateTimeOffset.UtcNow).Count(t => t.Steady) < minTurns && DateTimeOffset.UtcNow - from < window * 4)
        {
            await Task.Delay(Extension, cancellationToken);
        }

        var end = run.Target.Gauges();
        var to = DateTimeOffset.UtcNow;
        await Task.Delay(grace, cancellationToken);
        var turns = run.Turns.Between(from, to);
        var waiting = run.Waiting(grace + TimeSpan.FromSeconds(3));
        var middle = from + ((to - from) / 2);
        var answered = turns.Where(t => t.Steady).ToList();
        var figures = new StepFigures(
            run.Speakers,
            turns.Count(t => t.Answered),
            turns.Count(t => !t.Answered) + waiting,
            await run.DroppedFramesAsync(cancellationToken) is var after && after >= 0 && dropped >= 0 ? after - dropped : -1,
            Percentiles.Of(answered.Select(t => t.OverheadMs), 99),
            Percentiles.Of(answered.Where(t => t.SpokenAt < middle).Select(t => t.InputLagMs), 50),
            Percentiles.Of(answered.Where(t => t.SpokenAt >= middle).Select(t => t.InputLagMs), 50));
        return new StepMeasurement(figures, turns, start, end, to - from, run.Pacer.LateTicks - late, run.HarnessQueued);
    }

    /// <summary>Answered turns, unanswered turns (and which of the speakers' turns they were), overhead p50 and input lag p50 per transport.</summary>
    public string ByTransport() => string.Join("; ", Turns.GroupBy(t => t.Transport).Select(all => (all.Key, Unanswered: all.Where(t => !t.Answered).ToList(), Steady: all.Where(t => t.Steady).ToList())).Select(g => string.Create(
        CultureInfo.InvariantCulture,
        $"{g.Key}: {g.Steady.Count} turns, {g.Unanswered.Count} unanswered (speaker#turn@spoken {string.Join(',', g.Unanswered.Select(t => $"{t.Speaker}#{t.Index}@{t.SpokenAt.UtcDateTime:HH:mm:ss.f}"))}), overhead p50 {Percentiles.Of(g.Steady.Select(t => t.OverheadMs), 50):0.0} p99 {Percentiles.Of(g.Steady.Select(t => t.OverheadMs), 99):0.0} ms, in silo p50 {Percentiles.Of(g.Steady.Select(t => t.InSiloMs), 50):0.0} ms, input lag p50 {Percentiles.Of(g.Steady.Select(t => t.InputLagMs), 50):0} ms")));

    /// <summary>
    /// The step's slowest turns, each with the GC pauses of the service and of the harness between the service's
    /// end-of-utterance decision and the answer's arrival: what made the tail.
    /// </summary>
    public string SlowestTurns(LoadRun run, int count = 3)
    {
        ArgumentNullException.ThrowIfNull(run);
        return string.Join(Environment.NewLine, Turns.Where(t => t.Steady).OrderByDescending(t => t.OverheadMs).Take(count).Select(t =>
        {
            var decided = (t.SpokenAt + TimeSpan.FromMilliseconds(t.InputLagMs)).UtcDateTime;
            var arrived = decided.AddMilliseconds(t.OverheadMs);
            var pauses = run.Target.GcPauses(decided, arrived).Select(p => p.Format("service"))
                .Concat(run.HarnessPauses.Between(decided, arrived).Select(p => p.Format("harness")));
            return string.Create(CultureInfo.InvariantCulture, $"  slow turn: {t.Transport} overhead {t.OverheadMs:0.0} ms, decided at {decided:HH:mm:ss.fff}; {string.Join("; ", pauses.DefaultIfEmpty("no GC pause of either process in it"))}");
        }));
    }

    public string Describe() => string.Create(
        CultureInfo.InvariantCulture,
        $"{Figures.Speakers} speakers: {Figures.TurnsAnswered} turns answered, {Figures.TurnsUnanswered} unanswered, {Figures.DroppedFrames} frames dropped, {Turns.Count(t => t.Split)} answered in parts (harness stalls); overhead p50 {OverheadMsP50:0.0} p99 {Figures.OverheadMsP99:0.0} ms (in silo p99 {InSiloMsP99:0.0}); input lag {Figures.InputLagEarlyMs:0} -> {Figures.InputLagLateMs:0} ms; service CPU {CpuMsPerSpeakerSecond:0.00} ms/speaker-s ({(End.CpuMs - Start.CpuMs) / Window.TotalMilliseconds * 100:0}% of a core), RSS {End.RssMb:0} MB, GC heap {End.GcHeapMb:0} MB, threads {End.Threads}, fds {End.Handles}; harness late ticks {HarnessLateTicks}, queued {HarnessQueued}");
}
