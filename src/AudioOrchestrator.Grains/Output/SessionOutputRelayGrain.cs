using AudioOrchestrator.Contracts;
using Microsoft.Extensions.Logging;
using Orleans.Serialization;
using Orleans.Storage;

namespace AudioOrchestrator.Grains.Output;

/// <summary>
/// A session's audio-out: pushes what the session's producers publish to the subscribed ingress observers, each
/// through its own <see cref="SessionOutputSubscriber"/> (a queue and one call at a time, so order holds per observer
/// and a slow observer delays only itself). No timer: expired subscriptions are dropped when the next event or
/// subscription arrives. Every event is numbered and kept for <see cref="RetentionWindow"/> (<see cref="RetainedOutput"/>),
/// so an observer that renews with where it is gets again what it missed: after its calls failed and it was dropped,
/// when a call stalled on its way (a gateway that went away), or from a new activation (re-activated after its silo
/// died or stopped, found again on the ingress' renewal). A graceful deactivation (a silo stopping) hands what it kept
/// to the next activation through grain storage (<see cref="RelayHandoverState"/>): events it could not deliver any
/// more are not lost with it. Placed on the silo of its first caller (the session's grains), to save a hop.
/// </summary>
[Orleans.Placement.PreferLocalPlacement]
public sealed partial class SessionOutputRelayGrain(
    [PersistentState("handover", StorageNames.Sessions)] IPersistentState<RelayHandoverState> handover,
    Serializer serializer,
    TimeProvider clock,
    ILogger<SessionOutputRelayGrain> logger)
    : Grain, ISessionOutputRelayGrain
{
    /// <summary>The shortest and longest subscription lifetimes accepted.</summary>
    public static readonly TimeSpan MinLifetime = TimeSpan.FromMilliseconds(100);

    /// <inheritdoc cref="MinLifetime"/>
    public static readonly TimeSpan MaxLifetime = TimeSpan.FromHours(1);

    /// <summary>
    /// How long one delivery may take before its observer is considered dead and dropped. A healthy ingress takes
    /// milliseconds; a dropped observer loses nothing (it renews within <c>Ingress:OutputRenewalPeriod</c> with where it
    /// is, and is sent what it missed), so this is short: a delivery lost on a connection that went away with a silo
    /// holds the session's answers back no longer than this.
    /// </summary>
    public static readonly TimeSpan DeliveryTimeout = TimeSpan.FromSeconds(3);

    /// <summary>
    /// How long a delivery may be on its way, with the observer renewing and saying it does not have it, before it is
    /// sent again: the call was lost (a healthy observer takes milliseconds), and waiting for <see cref="DeliveryTimeout"/>
    /// would hold the session's answers back.
    /// </summary>
    public static readonly TimeSpan StalledAfter = TimeSpan.FromSeconds(1);

    /// <summary>Events waiting for one observer beyond which it is dropped (it is stuck; it subscribes again when it recovers).</summary>
    public const int MaxPendingEvents = 4096;

    /// <summary>
    /// How long events are kept to be sent again. It outlasts the ingress' renewals (every <c>Ingress:OutputRenewalPeriod</c>)
    /// and a silo's death being detected, after which the session's producers publish to a new activation that the
    /// ingress processes find on their next renewal.
    /// </summary>
    public static readonly TimeSpan RetentionWindow = TimeSpan.FromSeconds(30);

    /// <summary>Events kept at most (the oldest are dropped beyond).</summary>
    public const int MaxRetainedEvents = 1024;

    /// <summary>Bytes of answer audio kept at most (the oldest events are dropped beyond): about 85 s at 24 kbit/s.</summary>
    public const int MaxRetainedBytes = 256 * 1024;

    /// <summary>How long a graceful deactivation tries to deliver what is queued before handing it over.</summary>
    public static readonly TimeSpan FlushTimeout = TimeSpan.FromSeconds(1);

    /// <summary>How often, and how many times, a new activation that found no handover looks again.</summary>
    public static readonly TimeSpan LateHandoverPeriod = TimeSpan.FromSeconds(2);

    /// <inheritdoc cref="LateHandoverPeriod"/>
    public const int LateHandoverLooks = 5;

    private readonly Dictionary<ISessionOutputObserver, SessionOutputSubscriber> _subscribers = [];
    private IGrainTimer? _lateHandover;
    private int _lateLooks;
    private readonly RetainedOutput _retained = new(Guid.NewGuid(), RetentionWindow, MaxRetainedEvents, MaxRetainedBytes, clock);

    private string SessionId => this.GetPrimaryKeyString();

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        if (!await TakeHandoverAsync(late: false, cancellationToken))
        {
            // An activation of this relay that overlapped this one (two can, while a silo stops) may hand over after
            // this one started: looked for a few times.
            _lateHandover = this.RegisterGrainTimer(LookForLateHandoverAsync, new GrainTimerCreationOptions
            {
                DueTime = LateHandoverPeriod,
                Period = LateHandoverPeriod,
            });
        }
    }

    public Task PublishAsync(SessionOutputEvent item)
    {
        ArgumentNullException.ThrowIfNull(item);
        DropExpired();
        var kept = _retained.Add(item);
        List<SessionOutputSubscriber>? overflowing = null;
        foreach (var subscriber in _subscribers.Values)
        {
            if (!subscriber.TryEnqueue(kept))
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

    public Task<OutputCursor> SubscribeAsync(ISessionOutputObserver observer, TimeSpan lifetime, OutputCursor? seen = null)
    {
        ArgumentNullException.ThrowIfNull(observer);
        ArgumentOutOfRangeException.ThrowIfLessThan(lifetime, MinLifetime);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(lifetime, MaxLifetime);
        DropExpired();
        var expiresAt = clock.GetUtcNow() + lifetime;
        if (_subscribers.TryGetValue(observer, out var subscriber))
        {
            subscriber.ExpiresAt = expiresAt;
            if (seen is not null && subscriber.IsStalled(seen, StalledAfter))
            {
                LogStalled(logger, SessionId, seen.Activation, seen.Next);
                subscriber.Resend(Missed(seen));
            }
        }
        else
        {
            subscriber = new SessionOutputSubscriber(SessionId, observer, expiresAt, MaxPendingEvents, DeliveryTimeout, clock, OnDeliveryFailed);
            _subscribers[observer] = subscriber;
            LogSubscribed(logger, SessionId, _subscribers.Count);
            var missed = Missed(seen);
            if (missed.Count > 0)
            {
                LogResent(logger, SessionId, missed.Count);
            }

            subscriber.Resend(missed);
        }

        return Task.FromResult(_retained.End);
    }

    public Task StepDownAsync()
    {
        LogSteppingDown(logger, SessionId, _subscribers.Count);
        this.DeactivateOnIdle();
        return Task.CompletedTask;
    }

    public async Task ForgetAsync()
    {
        _retained.Clear();
        _lateHandover?.Dispose();
        _lateHandover = null;
        if (handover.RecordExists)
        {
            await handover.ClearStateAsync();
        }
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

    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        // No more looking for a handover: this activation writes its own now (and must not take it back).
        _lateHandover?.Dispose();
        _lateHandover = null;

        // First what is queued, while the observers can still be reached; then what is kept, for the next activation
        // (a stopping silo may no longer reach them, and observers that were dropped renew with where they are).
        try
        {
            await Task.WhenAll(_subscribers.Values.Select(s => s.WhenIdleAsync())).WaitAsync(FlushTimeout, clock, cancellationToken);
        }
        catch (Exception ex) when (ex is TimeoutException or OperationCanceledException)
        {
            LogFlushIncomplete(logger, SessionId, FlushTimeout);
        }

        foreach (var subscriber in _subscribers.Values.ToList())
        {
            Drop(subscriber);
        }

        var kept = _retained.HandOver();
        if (kept.Count == 0 || cancellationToken.IsCancellationRequested)
        {
            return;
        }

        try
        {
            handover.State.Events = serializer.SerializeToArray(kept.ToArray());
            try
            {
                await handover.WriteStateAsync(cancellationToken);
            }
            catch (InconsistentStateException)
            {
                // Another activation of this relay (two can overlap while a silo stops) handed events over after this
                // one started: both sets go to the next activation, in publishing order.
                await handover.ReadStateAsync(cancellationToken);
                var theirs = handover.State.Events is { Length: > 0 } row ? Read(row) : [];
                handover.State.Events = serializer.SerializeToArray(theirs.Concat(kept).OrderBy(e => e.PublishedAt).ToArray());
                await handover.WriteStateAsync(cancellationToken);
            }

            LogHandedOver(logger, SessionId, kept.Count, reason.ReasonCode);
        }
#pragma warning disable CA1031 // The storage may be unreachable while the silo stops: the events are then lost, as before the handover existed.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            LogHandoverFailed(logger, ex, SessionId, kept.Count);
        }
    }

    private async Task LookForLateHandoverAsync(CancellationToken cancellationToken)
    {
        if (_lateHandover is null)
        {
            return; // deactivating
        }

        // The last look stops the timer once it has looked (disposing it first would cancel this very read).
        var last = ++_lateLooks >= LateHandoverLooks;
        try
        {
            await handover.ReadStateAsync(cancellationToken);
        }
#pragma warning disable CA1031 // Looked for again on the next tick.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            LogHandoverUnreadable(logger, ex, SessionId);
            StopLookingIf(last);
            return;
        }

        StopLookingIf(await TakeHandoverAsync(late: true, cancellationToken) || last);
    }

    private void StopLookingIf(bool stop)
    {
        if (stop)
        {
            _lateHandover?.Dispose();
            _lateHandover = null;
        }
    }

    /// <summary>
    /// Takes over what a previous activation handed over, if anything (then clears it). Taken late, the events go to
    /// the current observers at once (each takes only those it did not have, by their sequence numbers).
    /// </summary>
    private async Task<bool> TakeHandoverAsync(bool late, CancellationToken cancellationToken)
    {
        if (handover.State.Events is not { Length: > 0 } events)
        {
            return false;
        }

        try
        {
            var inherited = Read(events);
            var taken = _retained.Inherit(inherited);
            LogInherited(logger, SessionId, inherited.Length, taken.Count);
            foreach (var subscriber in late ? _subscribers.Values.ToList() : [])
            {
                foreach (var item in taken)
                {
                    subscriber.TryEnqueue(item);
                }
            }
        }
#pragma warning disable CA1031 // A handover this version cannot read (written by another one) is left, not fatal to the session's output.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            LogHandoverUnreadable(logger, ex, SessionId);
        }

        try
        {
            await handover.ClearStateAsync(cancellationToken);
        }
#pragma warning disable CA1031 // A row left behind is harmless: its events are too old to be taken again, or already had.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            LogHandoverNotCleared(logger, ex, SessionId);
        }

        return true;
    }

    /// <summary>A handover row's events.</summary>
    private RetainedEvent[] Read(byte[] events) => serializer.Deserialize<RetainedEvent[]>(events) ?? [];

    private void OnDeliveryFailed(SessionOutputSubscriber subscriber, Exception exception)
    {
        // The observer's process is gone or stuck: stop calling it. A live ingress subscribes again on its next renewal.
        if (_subscribers.TryGetValue(subscriber.Observer, out var current) && ReferenceEquals(current, subscriber))
        {
            Drop(subscriber);
            LogObserverDropped(logger, exception, SessionId);
        }
    }

    /// <summary>The kept events an observer at <paramref name="seen"/> does not have, and a log line when some are gone.</summary>
    private IReadOnlyList<RetainedEvent> Missed(OutputCursor? seen)
    {
        var missed = _retained.After(seen, out var gone);
        if (gone > 0)
        {
            LogGap(logger, SessionId, gone);
        }

        return missed;
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

    [LoggerMessage(Level = LogLevel.Information, Message = "Session {SessionId}: {Count} output event(s) the observer did not have sent to it")]
    private static partial void LogResent(ILogger logger, string sessionId, int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Session {SessionId}: a delivery to an observer was lost on its way; sent again after {Activation}/{Next}")]
    private static partial void LogStalled(ILogger logger, string sessionId, Guid activation, long next);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Session {SessionId}: {Count} output event(s) an observer did not have were no longer kept")]
    private static partial void LogGap(ILogger logger, string sessionId, long count);

    [LoggerMessage(Level = LogLevel.Information, Message = "Session {SessionId}: took over {Count} output event(s) from the previous activation ({Kept} young enough to keep)")]
    private static partial void LogInherited(ILogger logger, string sessionId, int count, int kept);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Session {SessionId}: the previous activation's output events could not be read; they are not sent again")]
    private static partial void LogHandoverUnreadable(ILogger logger, Exception exception, string sessionId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Session {SessionId}: the previous activation's handover could not be cleared")]
    private static partial void LogHandoverNotCleared(ILogger logger, Exception exception, string sessionId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Session {SessionId}: handed {Count} output event(s) over to the next activation ({Reason})")]
    private static partial void LogHandedOver(ILogger logger, string sessionId, int count, DeactivationReasonCode reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Session {SessionId}: {Count} output event(s) could not be handed over to the next activation")]
    private static partial void LogHandoverFailed(ILogger logger, Exception exception, string sessionId, int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Session {SessionId}: deactivating before the observers had every queued event (waited {Timeout})")]
    private static partial void LogFlushIncomplete(ILogger logger, string sessionId, TimeSpan timeout);

    [LoggerMessage(Level = LogLevel.Information, Message = "Session {SessionId}: an output subscription expired without renewal")]
    private static partial void LogExpired(ILogger logger, string sessionId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Session {SessionId}: an observer did not receive what the session published; this relay activation ({Observers} observer(s)) is not the session's and steps down")]
    private static partial void LogSteppingDown(ILogger logger, string sessionId, int observers);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Session {SessionId}: an output observer failed and was dropped")]
    private static partial void LogObserverDropped(ILogger logger, Exception exception, string sessionId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Session {SessionId}: an output observer fell {Pending} events behind and was dropped")]
    private static partial void LogOverflow(ILogger logger, string sessionId, int pending);
}
