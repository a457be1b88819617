using AudioOrchestrator.Contracts;

namespace AudioOrchestrator.Ingress.Uploads;

/// <summary>What one uploaded recording produced: a turn per utterance heard (none when it held no speech).</summary>
public sealed record UploadResult(string SessionId, string CorrelationId, IReadOnlyList<UploadedTurn> Turns, double TotalMs)
{
    public bool NoSpeech => Turns.Count == 0;
}

/// <summary>One answered (or failed) turn of an upload, with the answer audio as a WAV file.</summary>
public sealed record UploadedTurn(
    string TurnId,
    string Transcript,
    string? Agent,
    string? ResponseText,
    TurnTimings? Timings,
    byte[]? AnswerWav,
    string? Error);
