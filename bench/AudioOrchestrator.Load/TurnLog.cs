using System.Collections.Concurrent;

namespace AudioOrchestrator.Load;

/// <summary>
/// One spoken turn (<paramref name="Index"/>: the speaker's 0th, 1st, ... turn; the 0th also activates the session's
/// grains). <paramref name="OverheadMs"/>: the service's end-of-utterance decision to the first answer audio at the
/// speaker (what the pipeline adds after the decision: grain turns, routing, agent, synthesis call, the stream hop out
/// and the way back through the transport; the instant speech-to-text has finished by then, since transcription starts
/// pre-emptively 200 ms into the silence). <paramref name="InSiloMs"/>: the service's own end-of-utterance to first
/// audio published. <paramref name="InputLagMs"/>: the last speech frame sent to the end-of-utterance decision (the
/// end-of-utterance silence plus whatever queue the input waited in). <paramref name="SendLagMs"/>: the most any frame of the
/// question left the harness after its due time (the harness' own lag: a busy machine starves its pacer or send loop).
/// <paramref name="Speaker"/>: which speaker of its transport (its seed).
/// </summary>
internal sealed record TurnSample(string Transport, int Index, DateTimeOffset SpokenAt, bool Answered, double OverheadMs, double InSiloMs, double InputLagMs, double SendLagMs, int Speaker = 0)
{
    /// <summary>
    /// The answer is to a part of the question: the service ended the utterance before the question's last frame left
    /// the harness. It happens when the harness' send loop stalls inside a phrase pause for longer than the service's
    /// end-of-utterance silence minus the pause (a Discord user whose packets stop is silent to the service).
    /// </summary>
    public bool Split => Answered && InputLagMs <= 0;

    /// <summary>Counts in latency figures: answered whole, and not the speaker's first turn (grain activation, a one-time cost).</summary>
    public bool Steady => Answered && !Split && Index > 0;
}

/// <summary>Every turn of the run, in the order they ended.</summary>
internal sealed class TurnLog
{
    private readonly ConcurrentQueue<TurnSample> _turns = new();

    public void Add(TurnSample turn) => _turns.Enqueue(turn);

    public IReadOnlyList<TurnSample> Between(DateTimeOffset from, DateTimeOffset to) =>
        [.. _turns.Where(t => t.SpokenAt >= from && t.SpokenAt < to)];
}
