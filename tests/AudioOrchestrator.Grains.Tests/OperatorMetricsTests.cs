using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;

namespace AudioOrchestrator.Grains.Tests;

/// <summary>The plan's operator instruments: the capacity gauges follow activations, the latencies use the voice buckets.</summary>
public sealed class OperatorMetricsTests
{
    [Fact]
    public void Active_speaker_and_session_gauges_follow_activations_and_deactivations()
    {
        using var services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        var factory = services.GetRequiredService<IMeterFactory>();
        var metrics = new PipelineMetrics(factory).Operator;
        var seen = new Dictionary<string, long>(StringComparer.Ordinal);
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Scope == factory)
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, _, _) => seen[instrument.Name] = value);
        listener.Start();

        metrics.SpeakerActivated();
        metrics.SpeakerActivated();
        metrics.SpeakerDeactivated();
        metrics.SessionActivated();
        listener.RecordObservableInstruments();
        Assert.Equal(1, seen["active_speakers"]);
        Assert.Equal(1, seen["active_sessions"]);

        metrics.SpeakerDeactivated();
        metrics.SessionDeactivated();
        listener.RecordObservableInstruments();
        Assert.Equal(0, seen["active_speakers"]);
        Assert.Equal(0, seen["active_sessions"]);
    }

    [Fact]
    public void Latency_histograms_are_in_seconds_with_buckets_from_5_ms_to_30_s()
    {
        using var services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        var metrics = new PipelineMetrics(services.GetRequiredService<IMeterFactory>()).Operator;

        foreach (var histogram in new[] { metrics.TranscriptionLatency, metrics.AgentExecutionLatency, metrics.TtsSynthesisLatency, metrics.EndToEndResponseLatency })
        {
            Assert.Equal("s", histogram.Unit);
            Assert.Equal(OperatorMetrics.LatencyBuckets, histogram.Advice!.HistogramBucketBoundaries);
        }

        Assert.Equal(0.005, OperatorMetrics.LatencyBuckets[0]);
        Assert.Equal(30, OperatorMetrics.LatencyBuckets[^1]);
        Assert.Equal(0.25, OperatorMetrics.Seconds(250));
    }
}
