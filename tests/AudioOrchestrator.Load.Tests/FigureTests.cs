using AudioOrchestrator.Load;

namespace AudioOrchestrator.Load.Tests;

public sealed class FigureTests
{
    [Fact]
    public void Percentiles_are_nearest_rank()
    {
        double[] values = [5, 1, 4, 2, 3, 6, 7, 8, 9, 10];
        Assert.Equal(5, Percentiles.Of(values, 50));
        Assert.Equal(10, Percentiles.Of(values, 99));
        Assert.Equal(1, Percentiles.Of(values, 0));
        Assert.True(double.IsNaN(Percentiles.Of([], 99)));
    }

    [Fact]
    public void Growth_ratio_is_relative_to_the_start()
    {
        Assert.Equal(0.05, GrowthRatio.Of(200, 210), 6);
        Assert.Equal(-0.5, GrowthRatio.Of(200, 100), 6);
        Assert.Equal(0, GrowthRatio.Of(0, 0));
        Assert.True(double.IsPositiveInfinity(GrowthRatio.Of(0, 1)));
    }

    [Fact]
    public void Dropped_frames_sum_the_rate_guard_and_ingress_queue_counters_only()
    {
        const string text = """
            # HELP audioorchestrator_discord_frames_dropped_total Received frames dropped
            audioorchestrator_discord_frames_dropped_total{otel_scope_name="x"} 3 1733480000000
            audioorchestrator_live_frames_dropped_total{reason="rateLimited"} 4
            audioorchestrator_live_frames_dropped_total{reason="queueFull"} 1
            audioorchestrator_opus_rate_limited_frames_total 2
            audioorchestrator_wake_dropped_total{stage="acoustic"} 100
            audioorchestrator_live_frames_received_total 5000
            """;
        Assert.Equal(10, DroppedFrames.Sum(text));
    }

    [Fact]
    public void Gauge_lines_round_trip()
    {
        var reading = new GaugeReading(123.5, 45.25, 60, 210, 98765.4);
        Assert.Equal(reading, GaugeReading.Parse(reading.Format()));
        Assert.Null(GaugeReading.Parse("warn: something"));
    }

    [Fact]
    public void The_command_line_defaults_to_capacity_and_reads_soak_options()
    {
        Assert.Equal("capacity", LoadOptions.Parse([]).Mode);
        var soak = LoadOptions.Parse(["soak", "--minutes", "60", "--speakers", "100", "--engines", "embedded"]);
        Assert.Equal(("soak", 60.0, 100, "embedded"), (soak.Mode, soak.SoakMinutes, soak.SoakSpeakers, soak.Engines));
        Assert.Throws<ArgumentException>(() => LoadOptions.Parse(["--engines", "cloud"]));
        Assert.Throws<ArgumentException>(() => LoadOptions.Parse(["--step", "0"]));
        var ramp = LoadOptions.Parse(["--min-turns", "300", "--warmup-seconds", "0"]);
        Assert.Equal((300, 0), (ramp.MinTurns, ramp.WarmUpSeconds));
        Assert.Equal((200, 15), (LoadOptions.Parse([]).MinTurns, LoadOptions.Parse([]).WarmUpSeconds));
        Assert.Throws<ArgumentException>(() => LoadOptions.Parse(["--warmup-seconds", "-1"]));
    }
}
