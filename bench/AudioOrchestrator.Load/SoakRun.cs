using System.Globalization;

namespace AudioOrchestrator.Load;

/// <summary>
/// The soak: a fixed number of speakers for <see cref="LoadOptions.SoakMinutes"/>; the service's resident set, GC heap,
/// threads and open file descriptors after a warm-up and at the end; growth ratios.
/// </summary>
internal static class SoakRun
{
    public static async Task<Dictionary<string, double>> RunAsync(LoadOptions options, IReadOnlyList<SpeechClip> clips, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        await using var run = await LoadRun.StartAsync(options, clips, options.SoakSpeakers, cancellationToken);
        await run.GrowToAsync(options.SoakSpeakers, cancellationToken);
        var duration = TimeSpan.FromMinutes(options.SoakMinutes);
        var warmUp = TimeSpan.FromSeconds(Math.Clamp(duration.TotalSeconds / 5, 10, 120));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"soak: {run.Speakers} speakers, warm-up {warmUp.TotalSeconds:0} s, then {duration.TotalMinutes:0.#} min"));
        await Task.Delay(warmUp, cancellationToken);
        GaugeReading? first = null;
        var step = await StepMeasurement.TakeAsync(run, duration, TimeSpan.FromSeconds(4), cancellationToken);
        first = step.Start;
        var last = step.End;
        Console.WriteLine("soak " + step.Describe());
        Console.WriteLine("  " + step.ByTransport());
        Console.WriteLine(step.SlowestTurns(run, 5));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"start: RSS {first.RssMb:0.0} MB, GC heap {first.GcHeapMb:0.0} MB, threads {first.Threads}, fds {first.Handles}; end: RSS {last.RssMb:0.0} MB, GC heap {last.GcHeapMb:0.0} MB, threads {last.Threads}, fds {last.Handles}"));
        return new Dictionary<string, double>
        {
            ["soak_speakers"] = run.Speakers,
            ["soak_minutes"] = options.SoakMinutes,
            ["soak_rss_mb_start"] = Math.Round(first.RssMb, 1),
            ["soak_rss_mb_end"] = Math.Round(last.RssMb, 1),
            ["soak_rss_growth_ratio"] = Math.Round(GrowthRatio.Of(first.RssMb, last.RssMb), 4),
            ["soak_gc_heap_mb_start"] = Math.Round(first.GcHeapMb, 1),
            ["soak_gc_heap_mb_end"] = Math.Round(last.GcHeapMb, 1),
            ["soak_threads_start"] = first.Threads,
            ["soak_threads_end"] = last.Threads,
            ["soak_handles_start"] = first.Handles,
            ["soak_handles_end"] = last.Handles,
            ["soak_turns_answered"] = step.Figures.TurnsAnswered,
            ["soak_turns_unanswered"] = step.Figures.TurnsUnanswered,
            ["soak_frames_dropped"] = step.Figures.DroppedFrames,
            ["soak_turn_overhead_ms_p99"] = Math.Round(step.Figures.OverheadMsP99, 2),
            ["soak_cpu_ms_per_speaker_second"] = Math.Round(step.CpuMsPerSpeakerSecond, 3),
        };
    }
}
