using AudioOrchestrator.Contracts;

namespace AudioOrchestrator.Grains.Output;

/// <summary>One event a relay keeps to send again: the activation that numbered it, its number there, when it was published, and its size.</summary>
[GenerateSerializer, Immutable]
public sealed record RetainedEvent(
    [property: Id(0)] Guid Activation,
    [property: Id(1)] long Sequence,
    [property: Id(2)] DateTimeOffset PublishedAt,
    [property: Id(3)] SessionOutputEvent Item,
    [property: Id(4)] int Bytes);

/// <summary>
/// The last events of a session's output, kept by its relay activation for observers that missed some: those it
/// numbered itself (from 0), after those a previous activation handed over (<see cref="Inherit"/>), in publishing
/// order. At most <paramref name="window"/> old, <paramref name="maxEvents"/> events and <paramref name="maxBytes"/>
/// bytes of answer audio (the oldest go first). Runs on the relay's activation (no locks).
/// </summary>
internal sealed class RetainedOutput(Guid activation, TimeSpan window, int maxEvents, int maxBytes, TimeProvider clock)
{
    private readonly List<RetainedEvent> _events = [];
    private int _bytes;

    /// <summary>The sequence number this activation gives its next event.</summary>
    public long Next { get; private set; }

    /// <summary>Where an observer that has everything is.</summary>
    public OutputCursor End => new(activation, Next);

    /// <summary>Numbers and keeps <paramref name="item"/>.</summary>
    public RetainedEvent Add(SessionOutputEvent item)
    {
        var kept = new RetainedEvent(activation, Next++, clock.GetUtcNow(), item, SizeOf(item));
        Keep(kept);
        return kept;
    }

    /// <summary>
    /// Takes the events a previous activation handed over (before any of this one's), those still young enough and not
    /// kept already; returns those taken, in order.
    /// </summary>
    public IReadOnlyList<RetainedEvent> Inherit(IEnumerable<RetainedEvent> handedOver)
    {
        ArgumentNullException.ThrowIfNull(handedOver);
        var now = clock.GetUtcNow();
        var known = _events.Select(e => (e.Activation, e.Sequence)).ToHashSet();
        var taken = handedOver
            .Where(e => e.Activation != activation && now - e.PublishedAt <= window && !known.Contains((e.Activation, e.Sequence)))
            .ToList();
        var own = _events.Where(e => e.Activation == activation).ToList();
        var others = _events.Where(e => e.Activation != activation).ToList();
        _events.Clear();
        _bytes = 0;
        foreach (var item in others.Concat(taken).Concat(own))
        {
            Keep(item);
        }

        return taken;
    }

    /// <summary>
    /// The kept events an observer at <paramref name="seen"/> does not have, in order: nothing for a new observer
    /// (null); those after its position when its activation's events are kept; all of them otherwise (it has none of
    /// these activations' events). <paramref name="gone"/> counts the ones it misses that are no longer kept.
    /// </summary>
    public IReadOnlyList<RetainedEvent> After(OutputCursor? seen, out long gone)
    {
        Trim(clock.GetUtcNow());
        gone = 0;
        if (seen is null)
        {
            return [];
        }

        var first = _events.FindIndex(e => e.Activation == seen.Activation);
        if (first < 0)
        {
            gone = _events.Count == 0 ? Next : _events[0].Activation == activation ? _events[0].Sequence : 0;
            return [.. _events];
        }

        gone = Math.Max(0, _events[first].Sequence - seen.Next);
        var from = _events.FindIndex(first, e => e.Activation != seen.Activation || e.Sequence >= seen.Next);
        return from < 0 ? [] : _events.GetRange(from, _events.Count - from);
    }

    /// <summary>Forgets every kept event (numbering goes on).</summary>
    public void Clear()
    {
        _events.Clear();
        _bytes = 0;
    }

    /// <summary>Everything kept (young enough), for the next activation.</summary>
    public IReadOnlyList<RetainedEvent> HandOver()
    {
        Trim(clock.GetUtcNow());
        return [.. _events];
    }

    private void Keep(RetainedEvent item)
    {
        _events.Add(item);
        _bytes += item.Bytes;
        Trim(clock.GetUtcNow());
    }

    private void Trim(DateTimeOffset now)
    {
        var drop = 0;
        while (drop < _events.Count && (now - _events[drop].PublishedAt > window || _events.Count - drop > maxEvents || _bytes > maxBytes))
        {
            _bytes -= _events[drop].Bytes;
            drop++;
        }

        _events.RemoveRange(0, drop);
    }

    private static int SizeOf(SessionOutputEvent item) => item is AnswerAudio audio ? audio.Frames.Sum(f => f.Length) : 0;
}
