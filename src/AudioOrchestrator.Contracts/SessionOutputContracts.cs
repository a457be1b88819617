namespace AudioOrchestrator.Contracts;

/// <summary>
/// A session's audio-out (key: session id): producers (speaker, conversation, speech synthesis) publish the session's
/// output events here; the relay pushes them, in the order it received them, to the observers of the ingress processes
/// that have the session open. A subscription lasts <c>lifetime</c> unless renewed by subscribing again; an observer
/// whose calls fail (its process died) is dropped. Each event gets a sequence number in the activation
/// (<see cref="OutputBatch"/>), and the last seconds of events are kept in memory: an observer that renews with where it
/// is (<see cref="OutputCursor"/>) is sent again what it did not get (its calls failed or stalled, its subscription was
/// dropped, or the relay re-activated). An activation that deactivates gracefully hands its kept events to the next one
/// through grain storage; those of an activation that died with its silo are gone.
/// </summary>
public interface ISessionOutputRelayGrain : IGrainWithStringKey
{
    /// <summary>Queues the event for every current observer and returns (delivery does not wait for them).</summary>
    Task PublishAsync(SessionOutputEvent item);

    /// <summary>
    /// Adds the observer, or renews it, until <paramref name="lifetime"/> from now (100 ms to 1 h). <paramref name="seen"/>
    /// says where the observer is: null for a new observer (it gets the events published from now on); a cursor of this
    /// activation, or of one whose events this activation took over (it gets the kept events from there on); a cursor of
    /// an activation whose events are not kept (it gets every kept event). Returns this activation's cursor of the next
    /// event to be published.
    /// </summary>
    Task<OutputCursor> SubscribeAsync(ISessionOutputObserver observer, TimeSpan lifetime, OutputCursor? seen = null);

    /// <summary>
    /// Forgets the events kept to be sent again, and a previous activation's handover of them (the session was deleted:
    /// its answers must not outlive it). Observers stay subscribed.
    /// </summary>
    Task ForgetAsync();

    /// <summary>
    /// An observer did not receive what the session published (<see cref="OutputProbe"/>): this activation is not the
    /// one the session publishes to (Orleans ran two for a while). It deactivates, handing over what it kept, so the
    /// observer's next renewal finds the session's.
    /// </summary>
    Task StepDownAsync();

    /// <summary>Removes the observer (nothing happens when it is not subscribed).</summary>
    Task UnsubscribeAsync(ISessionOutputObserver observer);

    /// <summary>How many observers are subscribed now (expired ones not counted): for operators and diagnostics.</summary>
    [Orleans.Concurrency.ReadOnly]
    Task<int> GetObserverCountAsync();
}

/// <summary>An ingress process' receiver of one session's output events, called by the session's relay.</summary>
public interface ISessionOutputObserver : IGrainObserver
{
    /// <summary>
    /// The next events of the session, in order (one or more). A batch may repeat events the observer had (a delivery
    /// that was sent again): their sequence numbers tell.
    /// </summary>
    Task OnOutputAsync(string sessionId, OutputBatch batch);
}

/// <summary>A relay activation's position: <paramref name="Next"/> is the sequence number of the next event wanted.</summary>
/// <param name="Activation">The relay activation (a new one after a deactivation or a silo's death).</param>
/// <param name="Next">The sequence number (from 0 in the activation) of the first event not had.</param>
[GenerateSerializer, Immutable]
public sealed record OutputCursor([property: Id(0)] Guid Activation, [property: Id(1)] long Next);

/// <summary>Consecutive events of a relay activation, from sequence number <paramref name="FirstSequence"/> on.</summary>
[GenerateSerializer, Immutable]
public sealed record OutputBatch([property: Id(0)] Guid Activation, [property: Id(1)] long FirstSequence, [property: Id(2)] SessionOutputEvent[] Items)
{
    /// <summary>Where an observer is after this batch.</summary>
    public OutputCursor End => new(Activation, FirstSequence + Items.Length);
}
