using AudioOrchestrator.Contracts;

namespace AudioOrchestrator.Ingress.Streams;

/// <summary>
/// This process' observer of one session's output: subscribed to the session's relay when opened, renewed on a timer
/// with where it is in the relay's events (which also finds a relay that was re-activated, e.g. after its silo died,
/// and has the relay send again what did not arrive), and handing each event once, in order, to every local listener.
/// When nothing has arrived for <see cref="IngressOptions.OutputRouteCheckAfter"/>, a renewal also has the way out
/// checked (<see cref="SessionOutputHub.CheckRouteAsync"/>), in the background.
/// </summary>
internal sealed class SessionOutputSubscription(string sessionId, SessionOutputHub hub) : ISessionOutputObserver
{
    private readonly Lock _lock = new();
    private readonly SemaphoreSlim _delivering = new(1, 1);
    private Func<SessionOutputEvent, Task>[] _listeners = [];
    private readonly OutputPositions _positions = new();
    private ISessionOutputObserver? _reference;
    private ITimer? _renewal;
    private int _renewing;
    private int _checking;
    private readonly CancellationTokenSource _closing = new();
    private long _lastArrival;

    public string SessionId { get; } = sessionId;

    public int ListenerCount
    {
        get
        {
            lock (_lock)
            {
                return _listeners.Length;
            }
        }
    }

    private ISessionOutputRelayGrain Relay => hub.Client.GetGrain<ISessionOutputRelayGrain>(SessionId);

    private TimeSpan Lifetime => hub.RenewalPeriod * 3;

    public async Task OpenAsync(CancellationToken cancellationToken)
    {
        _reference = hub.Client.CreateObjectReference<ISessionOutputObserver>(this);
        try
        {
            var reference = _reference;
            await ClusterCallRetry.RunAsync(async () => Advance(await Relay.SubscribeAsync(reference, Lifetime)), hub.CallTimeout, hub.Clock, cancellationToken);
        }
        catch
        {
            hub.Client.DeleteObjectReference<ISessionOutputObserver>(_reference);
            throw;
        }

        Volatile.Write(ref _lastArrival, hub.Clock.GetTimestamp());
        _renewal = hub.Clock.CreateTimer(_ => _ = RenewAsync(), null, hub.RenewalPeriod, hub.RenewalPeriod);
    }

    public async Task CloseAsync()
    {
        await _closing.CancelAsync(); // a way-out check still running ends here, without stepping a relay down
        if (_renewal is not null)
        {
            await _renewal.DisposeAsync();
        }

        if (_reference is { } reference)
        {
            try
            {
                await Relay.UnsubscribeAsync(reference);
            }
#pragma warning disable CA1031 // Best effort: an unrenewed subscription expires by itself.
            catch (Exception ex)
#pragma warning restore CA1031
            {
                SessionOutputHub.LogUnsubscribeFailed(hub.Logger, ex, SessionId);
            }

            hub.Client.DeleteObjectReference<ISessionOutputObserver>(reference);
        }
    }

    public IAsyncDisposable Add(Func<SessionOutputEvent, Task> listener)
    {
        lock (_lock)
        {
            _listeners = [.. _listeners, listener];
        }

        return new Registration(this, listener);
    }

    public async Task OnOutputAsync(string sessionId, OutputBatch batch)
    {
        ArgumentNullException.ThrowIfNull(batch);
        ArgumentNullException.ThrowIfNull(batch.Items);
        Volatile.Write(ref _lastArrival, hub.Clock.GetTimestamp());
        await _delivering.WaitAsync();
        try
        {
            await DeliverAsync(batch);
        }
        finally
        {
            _delivering.Release();
        }
    }

    /// <summary>Hands the events of <paramref name="batch"/> this process did not have yet to the listeners.</summary>
    private async Task DeliverAsync(OutputBatch batch)
    {
        Func<SessionOutputEvent, Task>[] listeners;
        long skip;
        lock (_lock)
        {
            listeners = _listeners;
            skip = _positions.Take(batch, out var gap);
            if (gap > 0)
            {
                SessionOutputHub.LogOutputGap(hub.Logger, SessionId, gap);
            }
        }

        if (skip >= batch.Items.Length)
        {
            return; // sent again, and every event of it had arrived
        }

        foreach (var item in batch.Items.Skip((int)skip))
        {
            if (item is OutputProbe probe)
            {
                hub.ProbeArrived(probe.Token);
                continue; // the hub's, not the listeners'
            }

            foreach (var listener in listeners)
            {
                try
                {
                    await listener(item);
                }
#pragma warning disable CA1031 // One failing listener must not stop delivery to the others.
                catch (Exception ex)
#pragma warning restore CA1031
                {
                    SessionOutputHub.LogListenerFailed(hub.Logger, ex, SessionId, item.GetType().Name);
                }
            }
        }
    }

    private async Task RenewAsync()
    {
        if (_reference is not { } reference || Interlocked.Exchange(ref _renewing, 1) == 1)
        {
            return;
        }

        if (hub.Clock.GetElapsedTime(Volatile.Read(ref _lastArrival)) >= hub.RouteCheckAfter && Interlocked.Exchange(ref _checking, 1) == 0)
        {
            _ = CheckRouteAsync();
        }

        try
        {
            // Bounded: a renewal sent to a relay whose silo crashed gets no answer, and an unbounded one would hold
            // back every later renewal (the one that finds the relay's new activation) for Orleans' response timeout.
            OutputCursor? seen;
            lock (_lock)
            {
                seen = _positions.Latest;
            }

            await Relay.SubscribeAsync(reference, Lifetime, seen).WaitAsync(hub.CallTimeout, hub.Clock);
        }
#pragma warning disable CA1031 // Tried again on the next tick; the silo may be restarting.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            SessionOutputHub.LogRenewalFailed(hub.Logger, ex, SessionId, hub.RenewalPeriod);
        }
        finally
        {
            Volatile.Write(ref _renewing, 0);
        }
    }

    /// <summary>Checks the way out of a session that sent nothing for a while; the next check is a period later whatever it found.</summary>
    private async Task CheckRouteAsync()
    {
        try
        {
            await hub.CheckRouteAsync(SessionId, _closing.Token);
        }
        catch (OperationCanceledException) when (_closing.IsCancellationRequested)
        {
            // Closed meanwhile: nothing to check.
        }
#pragma warning disable CA1031 // A check that failed is made again a period later.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            SessionOutputHub.LogRenewalFailed(hub.Logger, ex, SessionId, hub.RouteCheckAfter);
        }
        finally
        {
            Volatile.Write(ref _lastArrival, hub.Clock.GetTimestamp());
            Volatile.Write(ref _checking, 0);
        }
    }

    /// <summary>
    /// Takes the relay's position from the answer to the first subscription: the events after it are the ones wanted
    /// (a batch that arrived first already set it).
    /// </summary>
    private void Advance(OutputCursor position)
    {
        lock (_lock)
        {
            _positions.Start(position);
        }
    }

    private async ValueTask RemoveAsync(Func<SessionOutputEvent, Task> listener)
    {
        lock (_lock)
        {
            _listeners = _listeners.Where(l => l != listener).ToArray();
        }

        await hub.ReleaseAsync(this);
    }

    private sealed class Registration(SessionOutputSubscription owner, Func<SessionOutputEvent, Task> listener) : IAsyncDisposable
    {
        private int _disposed;

        public ValueTask DisposeAsync() =>
            Interlocked.Exchange(ref _disposed, 1) == 0 ? owner.RemoveAsync(listener) : ValueTask.CompletedTask;
    }
}
