using AudioOrchestrator.Archive.AnswerAudio;
using AudioOrchestrator.Grains.Retention;

namespace AudioOrchestrator.Silo.Retention;

/// <summary>
/// The answer-audio store's part in retention: answers kept longer than <c>Archive:AnswerAudio:Retention</c> are deleted
/// (they already read as missing once expired). Its retention is its own, whatever <c>Sessions:RetentionDays</c> says.
/// </summary>
public sealed class AnswerAudioRetention(IAnswerAudioStore store) : IRetentionParticipant
{
    public string Name => "answer audio";

    public bool HasOwnRetention => true;

    public async Task<long> DeleteExpiredAsync(DateTimeOffset? sessionCutoff, CancellationToken cancellationToken) =>
        await store.DeleteExpiredAsync(cancellationToken);
}
