using System.Diagnostics.Metrics;

namespace AudioOrchestrator.Grains;

/// <summary>
/// The operator metric names of the original plan (meter <see cref="TelemetryNames.MeterName"/>), recorded beside the
/// <c>audioorchestrator.*</c> instruments of <see cref="PipelineMetrics"/>. The Prometheus exporter appends the unit
/// (<c>s</c> = <c>_seconds</c>) and <c>_total</c> to counters, so the series are exactly
/// <c>audio_chunks_processed_total</c>, <c>agent_invocations_total{agent_name}</c>, <c>transcription_latency_seconds</c>,
/// <c>agent_execution_latency_seconds{agent_name}</c>, <c>tts_synthesis_latency_seconds</c>,
/// <c>end_to_end_response_latency_seconds</c>, <c>active_speakers</c> and <c>active_sessions</c>.
/// </summary>
public sealed class OperatorMetrics
{
    /// <summary>The tag naming the agent on <see cref="AgentInvocations"/> and <see cref="AgentExecutionLatency"/>.</summary>
    public const string AgentNameTag = "agent_name";

    /// <summary>Bucket bounds for voice latencies, in seconds: 5 ms to 30 s.</summary>
    public static readonly IReadOnlyList<double> LatencyBuckets =
        [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.5, 0.75, 1, 1.5, 2, 3, 5, 7.5, 10, 15, 20, 30];

    private long _activeSpeakers;
    private long _activeSessions;

    public OperatorMetrics(Meter meter)
    {
        ArgumentNullException.ThrowIfNull(meter);
        var advice = new InstrumentAdvice<double> { HistogramBucketBoundaries = LatencyBuckets };
        AudioChunksProcessed = meter.CreateCounter<long>("audio_chunks_processed", description: "Opus frames (20 ms audio chunks) processed by the speaker grains.");
        AgentInvocations = meter.CreateCounter<long>("agent_invocations", description: "Turns answered, by the agent asked (tag agent_name).");
        TranscriptionLatency = meter.CreateHistogram("transcription_latency", "s", "Speech-to-text time per utterance.", advice: advice);
        AgentExecutionLatency = meter.CreateHistogram("agent_execution_latency", "s", "Agent time per turn, asked to the end of its streamed answer (tag agent_name).", advice: advice);
        TtsSynthesisLatency = meter.CreateHistogram("tts_synthesis_latency", "s", "Text-to-speech time to the first audio frame of an answer.", advice: advice);
        EndToEndResponseLatency = meter.CreateHistogram("end_to_end_response_latency", "s", "End of the question (utterance or message) to the first frame of the spoken answer.", advice: advice);
        meter.CreateObservableGauge("active_speakers", () => Interlocked.Read(ref _activeSpeakers), description: "Speaker grains active in this silo.");
        meter.CreateObservableGauge("active_sessions", () => Interlocked.Read(ref _activeSessions), description: "Session (conversation) grains active in this silo.");
    }

    public Counter<long> AudioChunksProcessed { get; }

    public Counter<long> AgentInvocations { get; }

    public Histogram<double> TranscriptionLatency { get; }

    public Histogram<double> AgentExecutionLatency { get; }

    public Histogram<double> TtsSynthesisLatency { get; }

    public Histogram<double> EndToEndResponseLatency { get; }

    /// <summary>A speaker grain activated (<see cref="SpeakerDeactivated"/> when it goes).</summary>
    public void SpeakerActivated() => Interlocked.Increment(ref _activeSpeakers);

    public void SpeakerDeactivated() => Interlocked.Decrement(ref _activeSpeakers);

    /// <summary>A session grain activated (<see cref="SessionDeactivated"/> when it goes).</summary>
    public void SessionActivated() => Interlocked.Increment(ref _activeSessions);

    public void SessionDeactivated() => Interlocked.Decrement(ref _activeSessions);

    /// <summary>Milliseconds as seconds, the unit of the plan's histograms.</summary>
    public static double Seconds(double milliseconds) => milliseconds / 1000;
}
