using AudioOrchestrator.Contracts;

namespace AudioOrchestrator.Grains.Output;

/// <summary>
/// One observer of a session's output inside its <see cref="SessionOutputRelayGrain"/>: the events not yet delivered,
/// and a pump that sends everything queued in one call (an <see cref="OutputBatch"/>, one per activation that numbered
/// the events), waits for it, then sends what arrived meanwhile. Runs on the relay's activation (no locks); a call
/// that fails or outlasts the delivery timeout reports the observer as failed. <see cref="Resend"/> starts over from
/// given events: the call in flight is abandoned (if it arrives after all, the observer drops what it had by the
/// sequence numbers).
/// </summary>
internal sealed class SessionOutputSubscriber(
    string sessionId,
    ISessionOutputObserver observer,
    DateTimeOffset expiresAt,
    int maxPending,
    TimeSpan deliveryTimeout,
    TimeProvider clock,
    Action<SessionOutputSubscriber, Exception> failed)
{
    private readonly Queue<RetainedEvent> _pending = new();
    private int _generation;
    private bool _pumping;
    private bool _stopped;
    private RetainedEvent? _inFlight;
    private DateTimeOffset _inFlightSince;
    private TaskCompletionSource? _idle;

    public ISessionOutputObserver Observer { get; } = observer;

    public DateTimeOffset ExpiresAt { get; set; } = expiresAt;

    /// <summary>Queues the event; false when the observer is already at its limit of pending events.</summary>
    public bool TryEnqueue(RetainedEvent item)
    {
        if (_stopped || _pending.Count >= maxPending)
        {
            return false;
        }

        _pending.Enqueue(item);
        if (!_pumping)
        {
            _pumping = true;
            _ = PumpAsync(_generation);
        }

        return true;
    }

    /// <summary>
    /// Whether the call in flight has waited <paramref name="after"/> or more without the observer having its first
    /// event (<paramref name="seen"/>: where the observer says it is): the call is lost on its way.
    /// </summary>
    public bool IsStalled(OutputCursor? seen, TimeSpan after) =>
        _inFlight is { } first
        && !(seen is not null && seen.Activation == first.Activation && seen.Next > first.Sequence)
        && clock.GetUtcNow() - _inFlightSince >= after;

    /// <summary>Drops what is queued and in flight, and delivers <paramref name="events"/> instead (in one call).</summary>
    public void Resend(IReadOnlyList<RetainedEvent> events)
    {
        ArgumentNullException.ThrowIfNull(events);
        _generation++;
        _pending.Clear();
        _inFlight = null;
        _pumping = false;
        if (_stopped)
        {
            return;
        }

        foreach (var item in events.Take(maxPending))
        {
            _pending.Enqueue(item);
        }

        if (_pending.Count > 0)
        {
            _pumping = true;
            _ = PumpAsync(_generation);
        }
        else
        {
            SignalIdle();
        }
    }

    /// <summary>Completes once nothing is queued or in flight.</summary>
    public Task WhenIdleAsync()
    {
        if (!_pumping || _stopped)
        {
            return Task.CompletedTask;
        }

        _idle ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        return _idle.Task;
    }

    /// <summary>Stops delivering (what is queued is dropped).</summary>
    public void Stop()
    {
        _stopped = true;
        _pending.Clear();
        SignalIdle();
    }

    private async Task PumpAsync(int generation)
    {
        try
        {
            while (_pending.Count > 0 && !_stopped && generation == _generation)
            {
                var first = _pending.Peek();
                var items = new List<SessionOutputEvent>(_pending.Count);
                while (_pending.TryPeek(out var next) && next.Activation == first.Activation)
                {
                    items.Add(_pending.Dequeue().Item);
                }

                _inFlight = first;
                _inFlightSince = clock.GetUtcNow();
                await Observer.OnOutputAsync(sessionId, new OutputBatch(first.Activation, first.Sequence, [.. items])).WaitAsync(deliveryTimeout, clock);
                if (generation == _generation)
                {
                    _inFlight = null;
                }
            }
        }
#pragma warning disable CA1031 // Any failure of the observer's call means the observer is dropped; the relay goes on.
        catch (Exception ex) when (generation == _generation)
#pragma warning restore CA1031
        {
            _stopped = true;
            _pending.Clear();
            failed(this, ex);
        }
#pragma warning disable CA1031 // An abandoned call (the events were sent again): its outcome no longer matters.
        catch (Exception)
#pragma warning restore CA1031
        {
        }
        finally
        {
            if (generation == _generation)
            {
                _pumping = false;
                _inFlight = null;
                SignalIdle();
            }
        }
    }

    private void SignalIdle()
    {
        var idle = _idle;
        _idle = null;
        idle?.TrySetResult();
    }
}
