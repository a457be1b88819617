namespace AudioOrchestrator.Contracts;

/// <summary>Names of the audio paths between the ingress and the grains.</summary>
public static class StreamNames
{
    /// <summary>The broadcast channel provider that carries audio-in (ingress to speaker grains).</summary>
    public const string Provider = "audio";

    /// <summary>
    /// One channel per speaker (key: <see cref="SpeakerRef.StreamKey"/>): Opus frames heard from that speaker, delivered
    /// to the speaker grain (implicitly subscribed) by direct grain calls, in order.
    /// </summary>
    public const string AudioIn = "audio-in";

    /// <summary>
    /// One output per session (key: session id): the assistant's answers and turn events, published to the session's
    /// <see cref="ISessionOutputRelayGrain"/>, which pushes them to the subscribed ingress processes.
    /// </summary>
    public const string AudioOut = "audio-out";
}
