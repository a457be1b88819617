using System.Diagnostics;
using System.Globalization;

namespace AudioOrchestrator.Load;

/// <summary>
/// The capacity ramp: the DSP ceiling first (idle machine, same audio), then steps of concurrently speaking users, each
/// held for a window, until a step loses real time (<see cref="CapacityRamp"/>), the speaker cap or the time budget.
/// </summary>
internal static class CapacityRun
{
    private static readonly TimeSpan Settle = TimeSpan.FromSeconds(3);
    private static readonly TimeSpan Grace = TimeSpan.FromSeconds(4);

    public static async Task<Dictionary<string, double>> RunAsync(LoadOptions options, IReadOnlyList<SpeechClip> clips, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        var clock = Stopwatch.StartNew();
        var figures = new Dictionary<string, double>();
        var dsp = DspCeiling.CpuMsPerSpeakerSecond(clips);
        var ceilingPerCore = 1000 / dsp;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"DSP ceiling: {dsp:0.00} CPU ms per speaker-second (libopus decoding to 16 kHz + Silero on the speakers' audio) = {ceilingPerCore:0} speakers per core, {ceilingPerCore * Environment.ProcessorCount:0} on {Environment.ProcessorCount} cores"));

        await using var run = await LoadRun.StartAsync(options, clips, options.MaxSpeakers, cancellationToken);
        await Task.Delay(TimeSpan.FromSeconds(3), cancellationToken);
        var idleFrom = run.Target.Gauges();
        var idleClock = Stopwatch.StartNew();
        await Task.Delay(TimeSpan.FromSeconds(5), cancellationToken);
        var idle = run.Target.Gauges();
        var idleCpuMsPerSecond = (idle.CpuMs - idleFrom.CpuMs) / idleClock.Elapsed.TotalSeconds;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"service started: RSS {idle.RssMb:0} MB, threads {idle.Threads}, idle CPU {idleCpuMsPerSecond / 10:0.0} % of a core"));
        if (options.WarmUpSeconds > 0)
        {
            // The first turns after start-up pay for JIT, tiered compilation and first activations; a step measured
            // right away was lost on one such turn. The warm-up speaks at the first step's count and is not judged.
            await run.GrowToAsync(options.Start, cancellationToken);
            var warmUp = await StepMeasurement.TakeAsync(run, TimeSpan.FromSeconds(options.WarmUpSeconds), Grace, cancellationToken);
            Console.WriteLine($"warm-up (not judged) {warmUp.Describe()}");
        }

        var window = TimeSpan.FromSeconds(options.StepSeconds);
        StepMeasurement? held = null;
        List<StepMeasurement> steps = [];
        var speakers = options.Start;
        while (true)
        {
            var stepStarted = clock.Elapsed;
            await run.GrowToAsync(speakers, cancellationToken);
            await Task.Delay(Settle, cancellationToken);
            var step = await StepMeasurement.TakeAsync(run, window, Grace, cancellationToken, options.MinTurns);
            steps.Add(step);
            var verdict = CapacityRamp.Judge(step.Figures, options.MaxOverheadMs);
            Console.WriteLine($"step {step.Describe()}: {(verdict.Held ? "held" : "LOST: " + string.Join("; ", verdict.Reasons))}");
            Console.WriteLine($"  {step.ByTransport()}; dropped {await run.DroppedFramesDetailAsync(cancellationToken)}");
            Console.WriteLine(step.SlowestTurns(run));
            if (verdict.Held)
            {
                held = step;
            }

            var next = CapacityRamp.Next(verdict, speakers, options.Step, options.MaxSpeakers);
            var stepTook = clock.Elapsed - stepStarted;
            if (next is null || clock.Elapsed + stepTook + TimeSpan.FromSeconds(20) > options.CapacityBudget)
            {
                if (next is not null)
                {
                    Console.WriteLine("the time budget ends the ramp before real time was lost");
                }

                break;
            }

            speakers = next.Value;
        }

        figures["max_overhead_ms"] = options.MaxOverheadMs;
        figures["dsp_cpu_ms_per_speaker_second"] = Math.Round(dsp, 3);
        figures["dsp_ceiling_speakers_per_core"] = Math.Round(ceilingPerCore, 1);
        figures["dsp_ceiling_speakers_per_silo"] = Math.Round(ceilingPerCore * Environment.ProcessorCount, 1);
        var capacity = held?.Figures.Speakers ?? 0;
        figures["capacity_speakers_per_silo"] = capacity;
        figures["capacity_ratio_to_dsp_ceiling"] = Math.Round(capacity / (ceilingPerCore * Environment.ProcessorCount), 3);
        if (held is not null)
        {
            figures["turn_overhead_ms_p99_at_capacity"] = Math.Round(held.Figures.OverheadMsP99, 2);
            figures["turn_overhead_ms_p50_at_capacity"] = Math.Round(held.OverheadMsP50, 2);
            figures["turn_in_silo_ms_p99_at_capacity"] = Math.Round(held.InSiloMsP99, 2);
            figures["cpu_ms_per_speaker_second"] = Math.Round((held.CpuMsPerSecond - idleCpuMsPerSecond) / capacity, 3);
            figures["cpu_ms_per_speaker_second_with_idle"] = Math.Round(held.CpuMsPerSpeakerSecond, 3);
            figures["rss_mb_per_speaker"] = Math.Round((held.End.RssMb - idle.RssMb) / capacity, 3);
            figures["turns_answered_at_capacity"] = held.Figures.TurnsAnswered;
        }

        figures["idle_service_rss_mb"] = Math.Round(idle.RssMb, 1);
        figures["idle_service_cpu_percent_of_core"] = Math.Round(idleCpuMsPerSecond / 10, 1);
        figures["steps"] = steps.Count;
        figures["last_step_speakers"] = steps.Count > 0 ? steps[^1].Figures.Speakers : 0;
        figures["last_step_turn_overhead_ms_p99"] = steps.Count > 0 ? Math.Round(steps[^1].Figures.OverheadMsP99, 2) : double.NaN;
        // At the capacity point (or the first step's count when no step held).
        var batchSize = Math.Max(1, capacity > 0 ? capacity : steps.Count > 0 ? steps[0].Figures.Speakers : options.Start);
        var (direct, batched) = DspCeiling.SileroBatching(clips, batchSize);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"Silero for {batchSize} speakers: direct {direct:0.000} ms/window, one batch of {batchSize} {batched:0.000} ms/window (no hand-off cost counted)"));
        figures["silero_batch_size"] = batchSize;
        figures["silero_direct_ms_per_window_at_capacity"] = Math.Round(direct, 4);
        figures["silero_batched_ms_per_window_at_capacity"] = Math.Round(batched, 4);
        return figures;
    }
}
