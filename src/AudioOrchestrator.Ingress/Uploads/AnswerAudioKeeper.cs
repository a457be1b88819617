using System.Diagnostics;
using AudioOrchestrator.Archive.AnswerAudio;
using Microsoft.Extensions.Logging;

namespace AudioOrchestrator.Ingress.Uploads;

/// <summary>
/// Keeps the spoken answers of an upload or a text turn in the shared <see cref="IAnswerAudioStore"/> before the response
/// names their address, so the address works at once on every node. A refused or failed write leaves the turn without
/// an address (the store logs why); the answer itself is still returned.
/// </summary>
public sealed partial class AnswerAudioKeeper(IAnswerAudioStore store, ILogger<AnswerAudioKeeper> logger)
{
    /// <summary>Keeps each turn's answer (in parallel); returns the turn ids whose answer is kept.</summary>
    public async Task<IReadOnlySet<string>> KeepAsync(string sessionId, IEnumerable<(string TurnId, byte[] Wav)> answers, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(answers);
        var started = Stopwatch.GetTimestamp();
        var pending = answers.Select(async a => (a.TurnId, a.Wav.Length, Kept: await store.KeepAsync(sessionId, a.TurnId, a.Wav, cancellationToken))).ToList();
        if (pending.Count == 0)
        {
            return new HashSet<string>();
        }

        var results = await Task.WhenAll(pending);
        LogKept(logger, results.Count(r => r.Kept), results.Length, results.Sum(r => (long)r.Length), sessionId, Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        return results.Where(r => r.Kept).Select(r => r.TurnId).ToHashSet(StringComparer.Ordinal);
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Kept {Kept} of {Answers} answers ({Bytes} bytes) of session {SessionId} in {ElapsedMs:F1} ms")]
    private static partial void LogKept(ILogger logger, int kept, int answers, long bytes, string sessionId, double elapsedMs);
}
