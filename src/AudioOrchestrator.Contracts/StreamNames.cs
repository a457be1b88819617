namespace AudioOrchestrator.Contracts;

/// <summary>Names of the Orleans stream provider and stream namespaces that carry audio.</summary>
public static class StreamNames
{
    /// <summary>The stream provider shared by ingress and grains.</summary>
    public const string Provider = "audio";

    /// <summary>One stream per speaker (key: <see cref="SpeakerRef.StreamKey"/>): Opus frames heard from that speaker.</summary>
    public const string AudioIn = "audio-in";

    /// <summary>One stream per session (key: session id): the assistant's answers and turn events.</summary>
    public const string AudioOut = "audio-out";
}
