using System.Collections.Concurrent;

namespace AudioOrchestrator.Load;

/// <summary>
/// One spoken turn. <paramref name="OverheadMs"/>: the service's end-of-utterance decision to the first answer audio at the
/// speaker, minus speech-to-text (what the pipeline adds: stream hops, grain turns, routing, agent, synthesis call, the
/// way back through the transport). <paramref name="InSiloMs"/>: the service's own end-of-utterance-to-first-audio
/// minus speech-to-text. <paramref name="InputLagMs"/>: the last speech frame sent to the end-of-utterance decision (the
/// end-of-utterance silence plus whatever queue the input waited in).
/// </summary>
internal sealed record TurnSample(string Transport, DateTimeOffset SpokenAt, bool Answered, double OverheadMs, double InSiloMs, double InputLagMs);

/// <summary>Every turn of the run, in the order they ended.</summary>
internal sealed class TurnLog
{
    private readonly ConcurrentQueue<TurnSample> _turns = new();

    public void Add(TurnSample turn) => _turns.Enqueue(turn);

    public IReadOnlyList<TurnSample> Between(DateTimeOffset from, DateTimeOffset to) =>
        [.. _turns.Where(t => t.SpokenAt >= from && t.SpokenAt < to)];
}
