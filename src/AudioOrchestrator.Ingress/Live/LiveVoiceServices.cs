using AudioOrchestrator.Ingress.Streams;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AudioOrchestrator.Ingress.Live;

/// <summary>What every live socket uses (one instance per process), handed to each <see cref="LiveVoiceConnection"/>.</summary>
public sealed class LiveVoiceServices(
    IOptions<LiveVoiceOptions> options,
    IOptions<IngressOptions> ingress,
    IClusterClient grains,
    SpeakerAudioPublisher publisher,
    SessionOutputHub hub,
    LiveEventWriter events,
    LiveSocketRegistry registry,
    LiveVoiceMetrics metrics,
    IHostApplicationLifetime lifetime,
    TimeProvider time,
    ILoggerFactory loggers)
{
    public IOptions<LiveVoiceOptions> Options => options;

    public IOptions<IngressOptions> Ingress => ingress;

    public IGrainFactory Grains => grains;

    public SpeakerAudioPublisher Publisher => publisher;

    public SessionOutputHub Hub => hub;

    public LiveEventWriter Events => events;

    public LiveSocketRegistry Registry => registry;

    public LiveVoiceMetrics Metrics => metrics;

    public IHostApplicationLifetime Lifetime => lifetime;

    public TimeProvider Time => time;

    public ILoggerFactory Loggers => loggers;
}
