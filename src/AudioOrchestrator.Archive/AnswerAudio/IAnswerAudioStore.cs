namespace AudioOrchestrator.Archive.AnswerAudio;

/// <summary>
/// The spoken answers of turns, kept for <see cref="AnswerAudioOptions.Retention"/> where every node of a cluster can
/// serve them: a table of the archive database (<see cref="PostgresAnswerAudioStore"/>) or a directory next to the SQLite
/// archive (<see cref="DirectoryAnswerAudioStore"/>, the embedded default). Keyed by session and turn id (both must be
/// valid <see cref="Contracts.Identifiers"/>, else <see cref="ArgumentException"/>). An expired answer reads as missing
/// before <see cref="DeleteExpiredAsync"/> removes it.
/// </summary>
public interface IAnswerAudioStore
{
    /// <summary>
    /// Keeps a turn's answer (a WAV file), replacing one kept before. Returns false, having logged why, when it is refused
    /// (larger than <see cref="AnswerAudioOptions.MaxBytes"/>, not a WAV file, too little free disk) or cannot be written.
    /// </summary>
    Task<bool> KeepAsync(string sessionId, string turnId, ReadOnlyMemory<byte> wav, CancellationToken cancellationToken);

    /// <summary>The answer of a turn; null when none is kept, it has expired, or it is unreadable (logged).</summary>
    Task<byte[]?> FindAsync(string sessionId, string turnId, CancellationToken cancellationToken);

    /// <summary>Which of <paramref name="turnIds"/> of the session have an answer kept and not expired (one query).</summary>
    Task<IReadOnlySet<string>> FindKeptAsync(string sessionId, IReadOnlyCollection<string> turnIds, CancellationToken cancellationToken);

    /// <summary>Deletes every answer of the session; returns how many.</summary>
    Task<int> DeleteSessionAsync(string sessionId, CancellationToken cancellationToken);

    /// <summary>Retention: deletes the answers kept longer than <see cref="AnswerAudioOptions.Retention"/>; returns how many.</summary>
    Task<int> DeleteExpiredAsync(CancellationToken cancellationToken);
}
