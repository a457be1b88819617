namespace AudioOrchestrator.Grains.Discord;

/// <summary>A shard lease's persisted state: who holds it until when (no holder = free). Stored as JSON.</summary>
[GenerateSerializer]
public sealed class ShardLeaseState
{
    [Id(0)]
    public string? Holder { get; set; }

    [Id(1)]
    public DateTimeOffset ExpiresAt { get; set; }

    [Id(2)]
    public DateTimeOffset AcquiredAt { get; set; }
}
