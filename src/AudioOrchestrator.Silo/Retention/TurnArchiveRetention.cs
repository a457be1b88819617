using AudioOrchestrator.Archive;
using AudioOrchestrator.Grains.Retention;

namespace AudioOrchestrator.Silo.Retention;

/// <summary>The turn archive's part in retention: archived turns committed before the cutoff are deleted.</summary>
public sealed class TurnArchiveRetention(ITurnArchive archive) : IRetentionParticipant
{
    public string Name => "turn archive";

    public bool HasOwnRetention => false;

    public async Task<long> DeleteExpiredAsync(DateTimeOffset? sessionCutoff, CancellationToken cancellationToken) =>
        sessionCutoff is { } cutoff ? await archive.DeleteOlderThanAsync(cutoff, cancellationToken) : 0;
}
