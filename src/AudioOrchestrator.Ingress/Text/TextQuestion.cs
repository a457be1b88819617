namespace AudioOrchestrator.Ingress.Text;

/// <summary>A typed question for a session.</summary>
/// <param name="SessionId">The session that answers.</param>
/// <param name="SpeakerId">Who asks.</param>
/// <param name="Text">The question.</param>
/// <param name="Speak">Whether the answer is also spoken (synthesised onto the session's audio-out).</param>
/// <param name="CorrelationId">Matches the answer's events on the session's audio-out stream.</param>
public sealed record TextQuestion(string SessionId, string SpeakerId, string Text, bool Speak, string CorrelationId);
