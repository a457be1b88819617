using System.Collections.Concurrent;
using AudioOrchestrator.Contracts;
using Microsoft.Extensions.Logging;
using Orleans.Streams;

namespace AudioOrchestrator.Ingress.Streams;

/// <summary>
/// Drains sessions' audio-out streams for this process: one stream subscription per session, shared by every
/// local listener and released when the last one leaves.
/// </summary>
public sealed partial class SessionOutputHub(IClusterClient client, ILogger<SessionOutputHub> logger)
{
    private readonly ConcurrentDictionary<string, SessionSubscription> _sessions = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _gate = new(1, 1);

    private ILogger Logger => logger;

    /// <summary>Starts delivering the session's output events to <paramref name="listener"/> until the returned handle is disposed.</summary>
    public async Task<IAsyncDisposable> ListenAsync(string sessionId, Func<SessionOutputEvent, Task> listener, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(listener);
        await _gate.WaitAsync(cancellationToken);
        try
        {
            if (!_sessions.TryGetValue(sessionId, out var subscription))
            {
                subscription = new SessionSubscription(sessionId, this);
                var stream = client.GetStreamProvider(StreamNames.Provider)
                    .GetStream<SessionOutputEvent>(StreamId.Create(StreamNames.AudioOut, sessionId));
                subscription.Handle = await stream.SubscribeAsync(subscription.DeliverAsync);
                _sessions[sessionId] = subscription;
            }

            return subscription.Add(listener);
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task ReleaseAsync(SessionSubscription subscription)
    {
        await _gate.WaitAsync();
        try
        {
            if (subscription.ListenerCount == 0 && _sessions.TryRemove(subscription.SessionId, out _) && subscription.Handle is { } handle)
            {
                await handle.UnsubscribeAsync();
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "A listener of session {SessionId} failed on {EventType}")]
    private static partial void LogListenerFailed(ILogger logger, Exception exception, string sessionId, string eventType);

    private sealed class SessionSubscription(string sessionId, SessionOutputHub hub)
    {
        private readonly Lock _lock = new();
        private Func<SessionOutputEvent, Task>[] _listeners = [];

        public string SessionId { get; } = sessionId;

        public StreamSubscriptionHandle<SessionOutputEvent>? Handle { get; set; }

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

        public IAsyncDisposable Add(Func<SessionOutputEvent, Task> listener)
        {
            lock (_lock)
            {
                _listeners = [.. _listeners, listener];
            }

            return new Registration(this, listener);
        }

        public async Task DeliverAsync(SessionOutputEvent item, StreamSequenceToken? token)
        {
            Func<SessionOutputEvent, Task>[] listeners;
            lock (_lock)
            {
                listeners = _listeners;
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
                    LogListenerFailed(hub.Logger, ex, SessionId, item.GetType().Name);
                }
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

        private sealed class Registration(SessionSubscription owner, Func<SessionOutputEvent, Task> listener) : IAsyncDisposable
        {
            private int _disposed;

            public ValueTask DisposeAsync() =>
                Interlocked.Exchange(ref _disposed, 1) == 0 ? owner.RemoveAsync(listener) : ValueTask.CompletedTask;
        }
    }
}
