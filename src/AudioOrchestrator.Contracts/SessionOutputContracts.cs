namespace AudioOrchestrator.Contracts;

/// <summary>
/// A session's audio-out (key: session id): producers (speaker, conversation, speech synthesis) publish the session's
/// output events here; the relay pushes them, in the order it received them, to the observers of the ingress processes
/// that have the session open. A subscription lasts <c>lifetime</c> unless renewed by subscribing again; an observer
/// whose calls fail (its process died) is dropped. Nothing is stored: a new activation starts with no observers and
/// the ingress processes find it again on their next renewal.
/// </summary>
public interface ISessionOutputRelayGrain : IGrainWithStringKey
{
    /// <summary>Queues the event for every current observer and returns (delivery does not wait for them).</summary>
    Task PublishAsync(SessionOutputEvent item);

    /// <summary>Adds the observer, or renews it, until <paramref name="lifetime"/> from now (100 ms to 1 h).</summary>
    Task SubscribeAsync(ISessionOutputObserver observer, TimeSpan lifetime);

    /// <summary>Removes the observer (nothing happens when it is not subscribed).</summary>
    Task UnsubscribeAsync(ISessionOutputObserver observer);

    /// <summary>How many observers are subscribed now (expired ones not counted): for operators and diagnostics.</summary>
    [Orleans.Concurrency.ReadOnly]
    Task<int> GetObserverCountAsync();
}

/// <summary>An ingress process' receiver of one session's output events, called by the session's relay.</summary>
public interface ISessionOutputObserver : IGrainObserver
{
    /// <summary>The next events of the session, in order (one or more).</summary>
    Task OnOutputAsync(string sessionId, SessionOutputEvent[] items);
}
