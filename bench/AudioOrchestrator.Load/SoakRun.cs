using System.Globalization;

namespace AudioOrchestrator.Load;

/// <summary>
/// The soak: a fixed number of speakers for <see cref="LoadOptions.SoakMinutes"/>; the service's resident set, GC heap,
/// threads and open file descriptors after a warm-up and at the end; growth ratios, and the resident set's growth
/// over the second half alone (the heap settling in after start-up is not a leak; a leak grows in both halves).
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
        var halfway = HalfwayAsync(run, duration / 2, cancellationToken);
        var step = await StepMeasurement.TakeAsync(run, duration, TimeSpan.FromSeconds(4), cancellationToken);
        var half = await halfway;
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
            ["soak_rss_mb_half"] = half is null ? double.NaN : Math.Round(half.RssMb, 1),
            ["soak_rss_growth_ratio_second_half"] = half is null ? double.NaN : Math.Round(GrowthRatio.Of(half.RssMb, last.RssMb), 4),
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

    /// <summary>The service's gauges halfway through the measured window (null when it gave none).</summary>
    private static async Task<GaugeReading?> HalfwayAsync(LoadRun run, TimeSpan after, CancellationToken cancellationToken)
    {
        await Task.Delay(after, cancellationToken);
        var half = LoadRun.Gauges(run.Target);
        if (half is not null)
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"halfway: RSS {half.RssMb:0.0} MB, GC heap {half.GcHeapMb:0.0} MB, threads {half.Threads}, fds {half.Handles}"));
        }

        return half;
    }
}
