using AudioOrchestrator.Contracts;
using Microsoft.Extensions.Logging;

namespace AudioOrchestrator.Grains.Output;

/// <summary>
/// A session's audio-out: pushes what the session's producers publish to the subscribed ingress observers, each
/// through its own <see cref="SessionOutputSubscriber"/> (a queue and one call at a time, so order holds per observer
/// and a slow observer delays only itself). No timer: expired subscriptions are dropped when the next event or
/// subscription arrives. An activation that was published to before any observer subscribed (re-activated after its
/// silo died, found again on the ingress' renewal) keeps those events and hands them to each observer that subscribes
/// within <see cref="ReplayWindow"/>. Placed on the silo of its first caller (the session's grains), to save a hop.
/// </summary>
[Orleans.Placement.PreferLocalPlacement]
public sealed partial class SessionOutputRelayGrain(TimeProvider clock, ILogger<SessionOutputRelayGrain> logger)
    : Grain, ISessionOutputRelayGrain
{
    /// <summary>The shortest and longest subscription lifetimes accepted.</summary>
    public static readonly TimeSpan MinLifetime = TimeSpan.FromMilliseconds(100);

    /// <inheritdoc cref="MinLifetime"/>
    public static readonly TimeSpan MaxLifetime = TimeSpan.FromHours(1);

    /// <summary>How long one delivery may take before its observer is considered dead and dropped.</summary>
    public static readonly TimeSpan DeliveryTimeout = TimeSpan.FromSeconds(10);

    /// <summary>Events waiting for one observer beyond which it is dropped (it is stuck; it subscribes again when it recovers).</summary>
    public const int MaxPendingEvents = 4096;

    /// <summary>
    /// How long a new activation keeps what was published to it for observers that subscribe late: after its silo
    /// died, the session's producers may publish to the new activation before the ingress processes renewed their
    /// subscriptions (every <c>Ingress:OutputRenewalPeriod</c>), and those events would reach nobody.
    /// </summary>
    public static readonly TimeSpan ReplayWindow = TimeSpan.FromSeconds(30);

    /// <summary>Events kept for late observers at most (the oldest are dropped beyond).</summary>
    public const int MaxReplayEvents = 1024;

    private readonly Dictionary<ISessionOutputObserver, SessionOutputSubscriber> _subscribers = [];
    private readonly Queue<SessionOutputEvent> _replay = new();
    private DateTimeOffset _replayUntil;
    private bool _subscribedOnce;

    private string SessionId => this.GetPrimaryKeyString();

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _replayUntil = clock.GetUtcNow() + ReplayWindow;
        return Task.CompletedTask;
    }

    public Task PublishAsync(SessionOutputEvent item)
    {
        ArgumentNullException.ThrowIfNull(item);
        DropExpired();
        KeepForReplay(item);
        List<SessionOutputSubscriber>? overflowing = null;
        foreach (var subscriber in _subscribers.Values)
        {
            if (!subscriber.TryEnqueue(item))
            {
                (overflowing ??= []).Add(subscriber);
            }
        }

        foreach (var subscriber in overflowing ?? [])
        {
            Drop(subscriber);
            LogOverflow(logger, SessionId, MaxPendingEvents);
        }

        return Task.CompletedTask;
    }

    public Task SubscribeAsync(ISessionOutputObserver observer, TimeSpan lifetime)
    {
        ArgumentNullException.ThrowIfNull(observer);
        ArgumentOutOfRangeException.ThrowIfLessThan(lifetime, MinLifetime);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(lifetime, MaxLifetime);
        DropExpired();
        var expiresAt = clock.GetUtcNow() + lifetime;
        if (_subscribers.TryGetValue(observer, out var subscriber))
        {
            subscriber.ExpiresAt = expiresAt;
        }
        else
        {
            subscriber = new SessionOutputSubscriber(SessionId, observer, expiresAt, MaxPendingEvents, DeliveryTimeout, clock, OnDeliveryFailed);
            _subscribers[observer] = subscriber;
            LogSubscribed(logger, SessionId, _subscribers.Count);
            Replay(subscriber);
            _subscribedOnce = true;
        }

        return Task.CompletedTask;
    }

    public Task UnsubscribeAsync(ISessionOutputObserver observer)
    {
        ArgumentNullException.ThrowIfNull(observer);
        if (_subscribers.TryGetValue(observer, out var subscriber))
        {
            Drop(subscriber);
        }

        return Task.CompletedTask;
    }

    public Task<int> GetObserverCountAsync()
    {
        var now = clock.GetUtcNow();
        return Task.FromResult(_subscribers.Values.Count(s => s.ExpiresAt > now));
    }

    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        foreach (var subscriber in _subscribers.Values.ToList())
        {
            Drop(subscriber);
        }

        return Task.CompletedTask;
    }

    private void OnDeliveryFailed(SessionOutputSubscriber subscriber, Exception exception)
    {
        // The observer's process is gone or stuck: stop calling it. A live ingress subscribes again on its next renewal.
        if (_subscribers.TryGetValue(subscriber.Observer, out var current) && ReferenceEquals(current, subscriber))
        {
            Drop(subscriber);
            LogObserverDropped(logger, exception, SessionId);
        }
    }

    /// <summary>
    /// Until the first observer subscribed to this activation, and within its replay window, keeps the event for
    /// observers that subscribe later. A relay activated by a subscription (the usual case) keeps nothing.
    /// </summary>
    private void KeepForReplay(SessionOutputEvent item)
    {
        if (_subscribedOnce)
        {
            return;
        }

        if (clock.GetUtcNow() >= _replayUntil)
        {
            _replay.Clear();
            return;
        }

        if (_replay.Count >= MaxReplayEvents)
        {
            _replay.Dequeue();
        }

        _replay.Enqueue(item);
    }

    /// <summary>Hands a new observer what this activation received before it subscribed (within the replay window).</summary>
    private void Replay(SessionOutputSubscriber subscriber)
    {
        if (clock.GetUtcNow() >= _replayUntil)
        {
            _replay.Clear();
            return;
        }

        if (_replay.Count > 0)
        {
            LogReplayed(logger, SessionId, _replay.Count);
        }

        foreach (var item in _replay)
        {
            subscriber.TryEnqueue(item);
        }
    }

    private void DropExpired()
    {
        var now = clock.GetUtcNow();
        foreach (var subscriber in _subscribers.Values.Where(s => s.ExpiresAt <= now).ToList())
        {
            Drop(subscriber);
            LogExpired(logger, SessionId);
        }
    }

    private void Drop(SessionOutputSubscriber subscriber)
    {
        _subscribers.Remove(subscriber.Observer);
        subscriber.Stop();
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Session {SessionId}: an output observer subscribed ({Count} now)")]
    private static partial void LogSubscribed(ILogger logger, string sessionId, int count);

    [LoggerMessage(Level = LogLevel.Information, Message = "Session {SessionId}: {Count} output event(s) published before an observer subscribed handed to it")]
    private static partial void LogReplayed(ILogger logger, string sessionId, int count);

    [LoggerMessage(Level = LogLevel.Information, Message = "Session {SessionId}: an output subscription expired without renewal")]
    private static partial void LogExpired(ILogger logger, string sessionId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Session {SessionId}: an output observer failed and was dropped")]
    private static partial void LogObserverDropped(ILogger logger, Exception exception, string sessionId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Session {SessionId}: an output observer fell {Pending} events behind and was dropped")]
    private static partial void LogOverflow(ILogger logger, string sessionId, int pending);
}
