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
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"DSP ceiling: {dsp:0.00} CPU ms per speaker-second (opus + soxr + Silero on the speakers' audio) = {ceilingPerCore:0} speakers per core, {ceilingPerCore * Environment.ProcessorCount:0} on {Environment.ProcessorCount} cores"));

        await using var run = await LoadRun.StartAsync(options, clips, options.MaxSpeakers, cancellationToken);
        await Task.Delay(TimeSpan.FromSeconds(3), cancellationToken);
        var idle = run.Target.Gauges();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"service started: RSS {idle.RssMb:0} MB, threads {idle.Threads}"));
        var window = TimeSpan.FromSeconds(options.StepSeconds);
        StepMeasurement? held = null;
        var speakers = options.Start;
        while (true)
        {
            var stepStarted = clock.Elapsed;
            await run.GrowToAsync(speakers, cancellationToken);
            await Task.Delay(Settle, cancellationToken);
            var step = await StepMeasurement.TakeAsync(run, window, Grace, cancellationToken);
            var verdict = CapacityRamp.Judge(step.Figures);
            Console.WriteLine($"step {step.Describe()}: {(verdict.Held ? "held" : "LOST: " + string.Join("; ", verdict.Reasons))}");
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
            figures["cpu_ms_per_speaker_second"] = Math.Round(held.CpuMsPerSpeakerSecond, 3);
            figures["rss_mb_per_speaker"] = Math.Round((held.End.RssMb - idle.RssMb) / capacity, 3);
            figures["turns_answered_at_capacity"] = held.Figures.TurnsAnswered;
        }

        figures["idle_service_rss_mb"] = Math.Round(idle.RssMb, 1);
        var (direct, batched) = DspCeiling.SileroBatching(clips, Math.Max(1, capacity));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"Silero at {capacity} speakers: direct {direct:0.000} ms/window, one batch of {capacity} {batched:0.000} ms/window (no hand-off cost counted)"));
        figures["silero_direct_ms_per_window_at_capacity"] = Math.Round(direct, 4);
        figures["silero_batched_ms_per_window_at_capacity"] = Math.Round(batched, 4);
        return figures;
    }
}
