using AudioOrchestrator.Contracts;

namespace AudioOrchestrator.Ingress.Streams;

/// <summary>
/// Where this process is in a session's output, per relay activation (the last <see cref="Capacity"/> of them): a
/// batch sent again, or events of an activation that went away handed on by the next one, are taken once each. The
/// position of the latest batch is what a renewal tells the relay. Not thread-safe: the caller locks.
/// </summary>
internal sealed class OutputPositions
{
    public const int Capacity = 8;
    /// <summary>The next sequence number wanted per activation, oldest activation first.</summary>
    private readonly OrderedDictionary<Guid, long> _next = [];

    /// <summary>
    /// The position after the latest batch of the newest activation (or the relay's answer to the first subscription);
    /// null before either.
    /// </summary>
    public OutputCursor? Latest { get; private set; }

    /// <summary>Takes the relay's position from the first subscription's answer (unless a batch came first).</summary>
    public void Start(OutputCursor position)
    {
        if (Latest is null)
        {
            Latest = position;
            Remember(position.Activation, position.Next);
        }
    }

    /// <summary>
    /// How many of <paramref name="batch"/>'s events (from its start) this process has already; records the rest as had.
    /// <paramref name="gap"/> counts events of that activation that never arrived before the batch.
    /// </summary>
    public long Take(OutputBatch batch, out long gap)
    {
        ArgumentNullException.ThrowIfNull(batch);
        var had = _next.TryGetValue(batch.Activation, out var next) ? next : (long?)null;
        gap = had is { } n && batch.FirstSequence > n ? batch.FirstSequence - n : 0;
        var skip = had is { } h ? Math.Max(0, h - batch.FirstSequence) : 0;
        if (skip >= batch.Items.Length)
        {
            return batch.Items.Length;
        }

        Remember(batch.Activation, batch.FirstSequence + batch.Items.Length);
        if (had is null || Latest is null || Latest.Activation == batch.Activation)
        {
            Latest = batch.End; // a late batch of an earlier activation does not move the renewals' position back
        }

        return skip;
    }

    private void Remember(Guid activation, long next)
    {
        _next[activation] = Math.Max(next, _next.GetValueOrDefault(activation));
        while (_next.Count > Capacity)
        {
            _next.RemoveAt(0);
        }
    }
}
