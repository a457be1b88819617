using AudioOrchestrator.Contracts;

namespace AudioOrchestrator.Grains;

public static class SiloBuilderExtensions
{
    /// <summary>
    /// The audio-in path: a broadcast channel (direct grain calls to the implicitly subscribed speaker grains; no queue,
    /// nothing polled). Delivery is awaited, so a publisher that awaits each publish keeps its frames in order. The
    /// audio-out path needs nothing here: it is the <see cref="ISessionOutputRelayGrain"/>.
    /// </summary>
    public static ISiloBuilder AddAudioStreams(this ISiloBuilder silo)
    {
        ArgumentNullException.ThrowIfNull(silo);
        silo.AddBroadcastChannel(StreamNames.Provider, o => o.FireAndForgetDelivery = false);
        return silo;
    }
}
