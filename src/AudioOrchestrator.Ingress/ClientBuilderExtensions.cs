using AudioOrchestrator.Contracts;

namespace AudioOrchestrator.Ingress;

public static class ClientBuilderExtensions
{
    /// <summary>
    /// The audio stream provider for an ingress that runs as its own process (an Orleans client). The queue count
    /// must equal the silos' (<c>Cluster:StreamQueueCount</c>) so both map a stream to the same queue.
    /// </summary>
    public static IClientBuilder AddAudioStreams(this IClientBuilder client, int queueCount = 4)
    {
        ArgumentNullException.ThrowIfNull(client);
        client.AddMemoryStreams(StreamNames.Provider, streams => streams.ConfigurePartitioning(queueCount));
        return client;
    }
}
