using AudioOrchestrator.Contracts;

namespace AudioOrchestrator.Grains.Output;

/// <summary>
/// One observer of a session's output inside its <see cref="SessionOutputRelayGrain"/>: the events not yet delivered,
/// and a pump that sends everything queued in one call, waits for it, then sends what arrived meanwhile. Runs on the
/// relay's activation (no locks); a call that fails or outlasts the delivery timeout reports the observer as failed.
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
    private readonly Queue<SessionOutputEvent> _pending = new();
    private bool _pumping;
    private bool _stopped;

    public ISessionOutputObserver Observer { get; } = observer;

    public DateTimeOffset ExpiresAt { get; set; } = expiresAt;

    /// <summary>Queues the event; false when the observer is already at its limit of pending events.</summary>
    public bool TryEnqueue(SessionOutputEvent item)
    {
        if (_stopped || _pending.Count >= maxPending)
        {
            return false;
        }

        _pending.Enqueue(item);
        if (!_pumping)
        {
            _pumping = true;
            _ = PumpAsync();
        }

        return true;
    }

    /// <summary>Stops delivering (what is queued is dropped).</summary>
    public void Stop()
    {
        _stopped = true;
        _pending.Clear();
    }

    private async Task PumpAsync()
    {
        try
        {
            while (_pending.Count > 0 && !_stopped)
            {
                var batch = _pending.ToArray();
                _pending.Clear();
                await Observer.OnOutputAsync(sessionId, batch).WaitAsync(deliveryTimeout, clock);
            }
        }
#pragma warning disable CA1031 // Any failure of the observer's call means the observer is dropped; the relay goes on.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            _stopped = true;
            _pending.Clear();
            failed(this, ex);
        }
        finally
        {
            _pumping = false;
        }
    }
}
