namespace AudioOrchestrator.Grains.Output;

/// <summary>
/// What a session's relay activation kept when it deactivated gracefully, for its next activation to send to the
/// observers that miss it: the <see cref="RetainedEvent"/>s in Orleans' serialization (the events' own wire format, so the
/// row needs no JSON shape of every event type). Cleared once taken over.
/// </summary>
[GenerateSerializer]
public sealed class RelayHandoverState
{
    [Id(0)]
    public byte[]? Events { get; set; }
}
