using AudioOrchestrator.Contracts;

namespace AudioOrchestrator.Grains.Speakers;

/// <summary>
/// A speaker grain's audio-in items waiting to be handled, in arrival order, and whether its handler is running. Used
/// on the grain's activation only (no locks): the channel's delivery queues and returns, one handler drains the queue.
/// </summary>
internal sealed class HeardAudioQueue
{
    private readonly Queue<SpeakerStreamEvent> _items = new();
    private bool _running;
    private bool _closed;
    private bool _stopped;

    /// <summary>The running handler (to await on deactivation); null before the first item.</summary>
    public Task? Handling { get; set; }

    /// <summary>Items are queued or being handled.</summary>
    public bool IsBusy => _running || _items.Count > 0;

    /// <summary>
    /// Live batches beyond which a live speaker's new batches are dropped (about a minute of audio at four 20 ms
    /// frames a batch): a speaker grain that cannot keep up must not grow without bound. Uploads and input ends are
    /// never dropped (an upload is bounded by its size).
    /// </summary>
    public const int MaxQueued = 750;

    /// <summary>Queues the item; <see cref="Queued.StartHandler"/> when no handler runs (the caller starts one, now marked running).</summary>
    public Queued Enqueue(SpeakerStreamEvent item)
    {
        ArgumentNullException.ThrowIfNull(item);
        if (_closed || _stopped || (item is OpusFrameBatch { IsLive: true } && _items.Count >= MaxQueued))
        {
            return Queued.Dropped;
        }

        _items.Enqueue(item);
        if (_running)
        {
            return Queued.Waiting;
        }

        _running = true;
        return Queued.StartHandler;
    }

    public bool TryDequeue(out SpeakerStreamEvent item)
    {
        if (_stopped)
        {
            item = null!;
            return false;
        }

        return _items.TryDequeue(out item!);
    }

    /// <summary>The handler found the queue empty (or stopped) and returned.</summary>
    public void HandlingStopped() => _running = false;

    /// <summary>No more items are queued; those queued are still handled (the grain deactivates gracefully).</summary>
    public void Close() => _closed = true;

    /// <summary>No more items are queued or handled (the grain deactivates); returns the items dropped, in order.</summary>
    public IReadOnlyList<SpeakerStreamEvent> Stop()
    {
        _stopped = true;
        var dropped = _items.ToArray();
        _items.Clear();
        return dropped;
    }
}

/// <summary>What <see cref="HeardAudioQueue.Enqueue"/> did with an item.</summary>
internal enum Queued
{
    /// <summary>Queued; no handler was running: start one.</summary>
    StartHandler,

    /// <summary>Queued behind the items the running handler is working through.</summary>
    Waiting,

    /// <summary>Not queued: the live backlog is full or the grain deactivates.</summary>
    Dropped,
}
