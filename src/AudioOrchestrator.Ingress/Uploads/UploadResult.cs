using AudioOrchestrator.Contracts;

namespace AudioOrchestrator.Ingress.Uploads;

/// <summary>What one uploaded recording produced: a turn per utterance heard (none when it held no speech).</summary>
public sealed record UploadResult(string SessionId, string CorrelationId, IReadOnlyList<UploadedTurn> Turns, double TotalMs)
{
    public bool NoSpeech => Turns.Count == 0;
}

/// <summary>One answered (or failed) turn of an upload, with the answer audio as a WAV file.</summary>
/// <param name="TurnId">The turn.</param>
/// <param name="Transcript">What was heard.</param>
/// <param name="Agent">The agent that answered; null when the turn failed before routing.</param>
/// <param name="ResponseText">The answer (an apology when the agent failed).</param>
/// <param name="Timings">Per-stage timings; null when the turn failed.</param>
/// <param name="AnswerWav">The spoken answer; null when nothing was spoken.</param>
/// <param name="Error">Why the agent failed (then the answer is an apology) or why the turn could not be answered.</param>
/// <param name="Route">Why the agent was chosen.</param>
public sealed record UploadedTurn(
    string TurnId,
    string Transcript,
    string? Agent,
    string? ResponseText,
    TurnTimings? Timings,
    byte[]? AnswerWav,
    string? Error,
    TurnRoute? Route = null);
