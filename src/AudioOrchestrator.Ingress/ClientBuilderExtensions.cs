using AudioOrchestrator.Contracts;

namespace AudioOrchestrator.Ingress;

public static class ClientBuilderExtensions
{
    /// <summary>
    /// The audio-in broadcast channel for an ingress that runs as its own process (an Orleans client), configured as the
    /// silos' (delivery awaited, so frames stay in order).
    /// </summary>
    public static IClientBuilder AddAudioStreams(this IClientBuilder client)
    {
        ArgumentNullException.ThrowIfNull(client);
        client.AddBroadcastChannel(StreamNames.Provider, o => o.FireAndForgetDelivery = false);
        return client;
    }
}
