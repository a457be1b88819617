using System.Diagnostics.Metrics;
using AudioOrchestrator.Ingress.Discord;
using AudioOrchestrator.Ingress.Streams;

namespace AudioOrchestrator.Ingress.Live;

/// <summary>Instruments of the live voice WebSocket (meter <c>AudioOrchestrator</c>, exported with the service's own).</summary>
public sealed class LiveVoiceMetrics : ISpeakerFrameQueueMetrics
{
    private long _dropped;
    private long _published;
    private long _closed;

    public LiveVoiceMetrics(IMeterFactory meterFactory)
    {
        ArgumentNullException.ThrowIfNull(meterFactory);
        var meter = meterFactory.Create(DiscordIngressMetrics.MeterName);
        SocketsOpen = meter.CreateUpDownCounter<long>("audioorchestrator.live.sockets_open", description: "Live voice WebSockets open in this process.");
        SocketsClosed = meter.CreateCounter<long>("audioorchestrator.live.sockets_closed", description: "Live voice WebSockets closed, by reason (tag reason).");
        FramesReceived = meter.CreateCounter<long>("audioorchestrator.live.frames_received", description: "20 ms audio frames received from live clients.");
        FramesDropped = meter.CreateCounter<long>("audioorchestrator.live.frames_dropped", description: "Received frames dropped: sent faster than real time (reason rateLimited) or a full queue (reason queueFull).");
        BatchesPublished = meter.CreateCounter<long>("audioorchestrator.live.batches_published", description: "OpusFrameBatch events published to live speakers' audio-in streams.");
        PublishFailures = meter.CreateCounter<long>("audioorchestrator.live.publish_failures", description: "Batches of live audio that could not be published to the stream.");
        FramesSent = meter.CreateCounter<long>("audioorchestrator.live.frames_sent", description: "20 ms answer audio frames sent to live clients.");
    }

    public UpDownCounter<long> SocketsOpen { get; }

    public Counter<long> SocketsClosed { get; }

    public Counter<long> FramesReceived { get; }

    public Counter<long> FramesDropped { get; }

    public Counter<long> BatchesPublished { get; }

    public Counter<long> PublishFailures { get; }

    public Counter<long> FramesSent { get; }

    /// <summary>Frames dropped since start (both reasons).</summary>
    public long TotalDropped => Interlocked.Read(ref _dropped);

    /// <summary>Batches published since start.</summary>
    public long TotalPublished => Interlocked.Read(ref _published);

    /// <summary>Sockets closed since start.</summary>
    public long TotalClosed => Interlocked.Read(ref _closed);

    void ISpeakerFrameQueueMetrics.Dropped() => Dropped(1, "queueFull");

    void ISpeakerFrameQueueMetrics.Published()
    {
        Interlocked.Increment(ref _published);
        BatchesPublished.Add(1);
    }

    void ISpeakerFrameQueueMetrics.PublishFailed() => PublishFailures.Add(1);

    internal void Dropped(int frames, string reason)
    {
        Interlocked.Add(ref _dropped, frames);
        FramesDropped.Add(frames, new KeyValuePair<string, object?>("reason", reason));
    }

    internal void Opened() => SocketsOpen.Add(1);

    internal void Closed(string reason)
    {
        Interlocked.Increment(ref _closed);
        SocketsOpen.Add(-1);
        SocketsClosed.Add(1, new KeyValuePair<string, object?>("reason", reason));
    }
}
