using AudioOrchestrator.Contracts;

namespace AudioOrchestrator.Grains;

public static class SiloBuilderExtensions
{
    /// <summary>
    /// The audio stream provider, tuned for speech: the memory queues are polled every
    /// <paramref name="pollingPeriod"/> (the default 100 ms adds ~50 ms per hop), and delivered frames leave
    /// the cache after seconds, not minutes.
    /// </summary>
    public static ISiloBuilder AddAudioStreams(this ISiloBuilder silo, TimeSpan pollingPeriod, int queueCount = 4)
    {
        ArgumentNullException.ThrowIfNull(silo);
        silo.AddMemoryStreams(StreamNames.Provider, streams =>
        {
            streams.ConfigurePartitioning(queueCount);
            streams.ConfigurePullingAgent(o => o.Configure(agent => agent.GetQueueMsgsTimerPeriod = pollingPeriod));
            streams.ConfigureCacheEviction(o => o.Configure(cache =>
            {
                cache.DataMinTimeInCache = TimeSpan.FromSeconds(5);
                cache.DataMaxAgeInCache = TimeSpan.FromSeconds(30);
            }));
        });
        return silo;
    }
}
