using System.Diagnostics.Metrics;
using AudioOrchestrator.Ingress.Streams;

namespace AudioOrchestrator.Ingress.Discord;

/// <summary>Counters of the Discord transport (meter <c>AudioOrchestrator</c>, exported with the service's own).</summary>
public sealed class DiscordIngressMetrics : ISpeakerFrameQueueMetrics
{
    /// <summary>The service's meter name (the grains' <c>TelemetryNames.MeterName</c>).</summary>
    public const string MeterName = "AudioOrchestrator";

    /// <summary>The gauge of voice connections per shard (tag <c>shard_id</c>), exported as <c>voice_connections</c>.</summary>
    public const string VoiceConnectionsInstrument = "voice_connections";

    private readonly Meter _meter;
    private long _dropped;
    private long _published;
    private long _ownFrames;

    public DiscordIngressMetrics(IMeterFactory meterFactory)
    {
        ArgumentNullException.ThrowIfNull(meterFactory);
        var meter = _meter = meterFactory.Create(MeterName);
        FramesReceived = meter.CreateCounter<long>("audioorchestrator.discord.frames_received", description: "Opus frames received from Discord users.");
        FramesDropped = meter.CreateCounter<long>("audioorchestrator.discord.frames_dropped", description: "Received frames dropped (oldest first) because a speaker's queue was full.");
        BatchesPublished = meter.CreateCounter<long>("audioorchestrator.discord.batches_published", description: "OpusFrameBatch events published to speakers' audio-in streams.");
        PublishFailures = meter.CreateCounter<long>("audioorchestrator.discord.publish_failures", description: "Batches that could not be published to the stream.");
        FallbackAnswers = meter.CreateCounter<long>("audioorchestrator.discord.unplayable_answers", description: "Answers that could not be played in voice (handed to the text fallback).");
    }

    public Counter<long> FramesReceived { get; }

    /// <summary>
    /// Exports <c>voice_connections{shard_id}</c>: <paramref name="observe"/> lists, per shard this process runs, its
    /// voice connections able to carry audio. Called once, by the transport.
    /// </summary>
    public void ObserveVoiceConnections(Func<IEnumerable<Measurement<int>>> observe) =>
        _meter.CreateObservableGauge(VoiceConnectionsInstrument, observe, description: "Discord voice connections able to carry audio, per gateway shard this process runs (tag shard_id).");

    public Counter<long> FramesDropped { get; }

    public Counter<long> BatchesPublished { get; }

    public Counter<long> PublishFailures { get; }

    public Counter<long> FallbackAnswers { get; }

    /// <summary>Frames dropped since start (also on <see cref="FramesDropped"/>).</summary>
    public long TotalDropped => Interlocked.Read(ref _dropped);

    /// <summary>Batches published since start.</summary>
    public long TotalPublished => Interlocked.Read(ref _published);

    /// <summary>Frames of the bot itself that were not published.</summary>
    public long TotalOwnFrames => Interlocked.Read(ref _ownFrames);

    void ISpeakerFrameQueueMetrics.PublishFailed() => PublishFailures.Add(1);

    void ISpeakerFrameQueueMetrics.Dropped() => Dropped();

    void ISpeakerFrameQueueMetrics.Published() => Published();

    internal void Dropped()
    {
        Interlocked.Increment(ref _dropped);
        FramesDropped.Add(1);
    }

    internal void Published()
    {
        Interlocked.Increment(ref _published);
        BatchesPublished.Add(1);
    }

    internal void OwnFrame() => Interlocked.Increment(ref _ownFrames);
}
