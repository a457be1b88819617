using AudioOrchestrator.Contracts;

namespace AudioOrchestrator.Ingress.Uploads;

/// <summary>The answer to <c>POST /api/v1/sessions/{sessionId}/utterances</c>: the last turn, plus every turn heard.</summary>
public sealed record UtteranceResponse(
    string SessionId,
    string CorrelationId,
    string Transcript,
    string? Agent,
    string? ResponseText,
    string? ResponseAudioUrl,
    ResponseTimings Timings,
    IReadOnlyList<TurnResponse> Turns,
    TurnRoute? Route = null,
    string? Error = null);

/// <summary>One turn of an upload.</summary>
/// <param name="TurnId">The turn.</param>
/// <param name="Transcript">What was heard.</param>
/// <param name="Agent">The agent that answered.</param>
/// <param name="ResponseText">The answer (an apology when the agent failed).</param>
/// <param name="ResponseAudioUrl">Where to download the spoken answer.</param>
/// <param name="Timings">Milliseconds per stage.</param>
/// <param name="Error">Why the agent failed (the answer is then an apology) or why the turn failed.</param>
/// <param name="Route">Why the agent was chosen: <c>phrase</c>, <c>classifier</c> or <c>fallback</c>, with a detail.</param>
public sealed record TurnResponse(
    string TurnId,
    string Transcript,
    string? Agent,
    string? ResponseText,
    string? ResponseAudioUrl,
    ResponseTimings? Timings,
    string? Error,
    TurnRoute? Route = null);

/// <summary>
/// Milliseconds spent in speech-to-text, the agent, text-to-speech, and the whole request; per turn also the
/// end-of-utterance decision delay after the end of speech and the wake phrase detection time after the start of
/// speech (null when no wake phrase was heard). The turn in the session's history has the full per-stage timings.
/// </summary>
public sealed record ResponseTimings(double SttMs, double AgentMs, double TtsMs, double TotalMs, double? EndOfUtteranceDelayMs = null, double? WakeDetectMs = null);
