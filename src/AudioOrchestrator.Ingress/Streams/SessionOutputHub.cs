using System.Collections.Concurrent;
using AudioOrchestrator.Contracts;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AudioOrchestrator.Ingress.Streams;

/// <summary>
/// Receives sessions' audio-out for this process: one <see cref="SessionOutputSubscription"/> per open session (an
/// observer subscribed to the session's <see cref="ISessionOutputRelayGrain"/>, renewed every
/// <see cref="IngressOptions.OutputRenewalPeriod"/>), shared by every local listener and released when the last one leaves.
/// </summary>
public sealed partial class SessionOutputHub(
    IClusterClient client, IOptions<IngressOptions> options, TimeProvider clock, ILogger<SessionOutputHub> logger)
{
    private readonly ConcurrentDictionary<string, SessionOutputSubscription> _sessions = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, TaskCompletionSource> _probes = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _gate = new(1, 1);

    internal IClusterClient Client => client;

    internal TimeProvider Clock => clock;

    internal TimeSpan RenewalPeriod => options.Value.OutputRenewalPeriod;

    internal TimeSpan CallTimeout => options.Value.ClusterCallTimeout;

    internal TimeSpan RouteCheckAfter => options.Value.OutputRouteCheckAfter;

    internal ILogger Logger => logger;

    /// <summary>Starts delivering the session's output events to <paramref name="listener"/> until the returned handle is disposed.</summary>
    public async Task<IAsyncDisposable> ListenAsync(string sessionId, Func<SessionOutputEvent, Task> listener, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(sessionId);
        ArgumentNullException.ThrowIfNull(listener);
        await _gate.WaitAsync(cancellationToken);
        try
        {
            if (!_sessions.TryGetValue(sessionId, out var subscription))
            {
                subscription = new SessionOutputSubscription(sessionId, this);
                await subscription.OpenAsync(cancellationToken);
                _sessions[sessionId] = subscription;
            }

            return subscription.Add(listener);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>
    /// Checks that what the session publishes reaches this process: the session publishes an <see cref="OutputProbe"/>
    /// (<see cref="IConversationGrain.ProbeOutputAsync"/>), and when it has not arrived within
    /// <see cref="IngressOptions.ClusterCallTimeout"/> the relay activation this process is subscribed to is told to step
    /// down (<see cref="ISessionOutputRelayGrain.StepDownAsync"/>): Orleans ran two activations of the relay, and the
    /// session publishes to the other. Returns whether the probe arrived; false too when the session could not be asked
    /// or there is no subscription to check.
    /// </summary>
    public async Task<bool> CheckRouteAsync(string sessionId, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(sessionId);
        if (!_sessions.ContainsKey(sessionId))
        {
            return false;
        }

        var token = Guid.CreateVersion7().ToString("N");
        var arrived = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _probes[token] = arrived;
        var wait = options.Value.ClusterCallTimeout;
        try
        {
            try
            {
                await client.GetGrain<IConversationGrain>(sessionId).ProbeOutputAsync(token).WaitAsync(wait, clock, cancellationToken);
            }
            catch (Exception ex) when (ex is TimeoutException or OrleansException)
            {
                LogRouteUnchecked(logger, ex, sessionId); // the session did not answer: nothing is known of the way out
                return false;
            }

            try
            {
                await arrived.Task.WaitAsync(wait, clock, cancellationToken);
                return true;
            }
            catch (TimeoutException) when (_sessions.ContainsKey(sessionId))
            {
                // (Not when the last listener left meanwhile: the probe could not arrive, the relay may be whole.)
                LogRouteBroken(logger, sessionId, wait.TotalSeconds);
                await StepDownAsync(sessionId);
                return false;
            }
            catch (TimeoutException)
            {
                return false;
            }
        }
        finally
        {
            _probes.TryRemove(token, out _);
        }
    }

    internal void ProbeArrived(string token)
    {
        if (_probes.TryGetValue(token, out var arrived))
        {
            arrived.TrySetResult();
        }
    }

    private async Task StepDownAsync(string sessionId)
    {
        try
        {
            await client.GetGrain<ISessionOutputRelayGrain>(sessionId).StepDownAsync().WaitAsync(options.Value.ClusterCallTimeout, clock);
        }
        catch (Exception ex) when (ex is TimeoutException or OrleansException)
        {
            LogRouteUnchecked(logger, ex, sessionId);
        }
    }

    internal async Task ReleaseAsync(SessionOutputSubscription subscription)
    {
        await _gate.WaitAsync();
        try
        {
            if (subscription.ListenerCount == 0 && _sessions.TryRemove(subscription.SessionId, out _))
            {
                await subscription.CloseAsync();
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Session {SessionId}: what the session publishes did not reach this process within {Seconds:0.#} s; the relay activation it is subscribed to is told to step down")]
    private static partial void LogRouteBroken(ILogger logger, string sessionId, double seconds);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Session {SessionId}: the way out could not be checked")]
    private static partial void LogRouteUnchecked(ILogger logger, Exception exception, string sessionId);

    [LoggerMessage(Level = LogLevel.Error, Message = "A listener of session {SessionId} failed on {EventType}")]
    internal static partial void LogListenerFailed(ILogger logger, Exception exception, string sessionId, string eventType);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Session {SessionId}: the output subscription could not be renewed (tried again in {Period})")]
    internal static partial void LogRenewalFailed(ILogger logger, Exception exception, string sessionId, TimeSpan period);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Session {SessionId}: {Count} output event(s) of the relay never arrived (no longer kept by it)")]
    internal static partial void LogOutputGap(ILogger logger, string sessionId, long count);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Session {SessionId}: the output subscription could not be cancelled (it expires by itself)")]
    internal static partial void LogUnsubscribeFailed(ILogger logger, Exception exception, string sessionId);
}
