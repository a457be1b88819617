using AudioOrchestrator.Contracts;
using AudioOrchestrator.Ingress.Uploads;

namespace AudioOrchestrator.Ingress.Text;

/// <summary>The body of <c>POST /api/v1/sessions/{sessionId}/messages</c>: a question in writing.</summary>
/// <param name="Text">The question (required, not blank, at most <see cref="IngressOptions.MaxTextCharacters"/> characters).</param>
/// <param name="Speaker">Who asks (a speaker id of the session); default <c>rest</c>.</param>
/// <param name="Speak">Also speak the answer: it is synthesised, downloadable from <c>responseAudioUrl</c> and played
/// wherever the session is heard (a Discord guild's voice channel). Default false: text only.</param>
public sealed record TextMessageRequest(string? Text, string? Speaker = null, bool Speak = false);

/// <summary>The answer to a text message.</summary>
/// <param name="SessionId">The session.</param>
/// <param name="TurnId">The turn recorded in the session's history.</param>
/// <param name="Agent">The agent that answered.</param>
/// <param name="Route">Why the agent was chosen.</param>
/// <param name="ResponseText">The answer (an apology when the agent failed).</param>
/// <param name="ResponseAudioUrl">Where to download the spoken answer; null unless <c>speak</c> was true.</param>
/// <param name="Timings">Milliseconds spent in the agent, in synthesis and in the whole request.</param>
/// <param name="Error">Why the agent failed (the answer is then an apology); null when it answered.</param>
public sealed record TextMessageResponse(
    string SessionId,
    string TurnId,
    string? Agent,
    TurnRoute? Route,
    string? ResponseText,
    string? ResponseAudioUrl,
    ResponseTimings? Timings,
    string? Error = null);

/// <summary>Server-Sent Event <c>started</c>: the question was routed to an agent.</summary>
public sealed record TextAnswerStarted(string SessionId, string TurnId, string Agent, TurnRoute Route);

/// <summary>Server-Sent Event <c>delta</c>: the next words of the answer, as the agent produced them.</summary>
public sealed record TextAnswerDelta(string TurnId, string Text);

/// <summary>Names of the Server-Sent Events of a streamed text answer.</summary>
public static class TextAnswerEvents
{
    /// <summary>Data: <see cref="TextAnswerStarted"/>.</summary>
    public const string Started = "started";

    /// <summary>Data: <see cref="TextAnswerDelta"/>.</summary>
    public const string Delta = "delta";

    /// <summary>Data: <see cref="TextMessageResponse"/>, the last event.</summary>
    public const string Completed = "completed";

    /// <summary>Data: problem details (status, title, detail), the last event.</summary>
    public const string Failed = "failed";
}
