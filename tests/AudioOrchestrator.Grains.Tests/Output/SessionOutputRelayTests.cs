using System.Collections.Concurrent;
using AudioOrchestrator.Contracts;
using AudioOrchestrator.Grains.Output;
using AudioOrchestrator.Ingress;
using AudioOrchestrator.Ingress.Streams;
using AudioOrchestrator.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Orleans.BroadcastChannel;
using Orleans.Core.Internal;

namespace AudioOrchestrator.Grains.Tests.Output;

/// <summary>
/// Push delivery: audio-in on the broadcast channel and audio-out through the session's relay grain to the ingress'
/// observers (the test process is the ingress, an Orleans client).
/// </summary>
public sealed class SessionOutputRelayTests(PipelineCluster fixture) : IClassFixture<PipelineCluster>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private SessionOutputHub Hub => fixture.ClientServices.GetRequiredService<SessionOutputHub>();

    private static string NewSession() => "relay-" + Guid.NewGuid().ToString("N")[..12];

    private ISessionOutputRelayGrain Relay(string session) => fixture.Client.GetGrain<ISessionOutputRelayGrain>(session);

    private static AnswerAudio Frame(long sequence) => new("t", sequence, [new byte[3]]);

    [Fact]
    public async Task A_thousand_audio_in_batches_reach_the_subscribed_grain_in_the_order_they_were_published()
    {
        var key = "order-" + Guid.NewGuid().ToString("N")[..8];
        var writer = fixture.Client.GetBroadcastChannelProvider(StreamNames.Provider)
            .GetChannelWriter<SpeakerStreamEvent>(ChannelId.Create(AudioInOrderProbeGrain.Namespace, key));

        for (var i = 0; i < 1000; i++)
        {
            await writer.Publish(new OpusFrameBatch(i, [new byte[3]], DateTimeOffset.UtcNow), Ct);
        }

        // Each publish returned once the grain took the batch: all are there, nothing to wait for.
        var sequences = await fixture.Client.GetGrain<IAudioInOrderProbeGrain>(key).GetSequencesAsync();
        Assert.Equal(Enumerable.Range(0, 1000).Select(i => (long)i), sequences);
    }

    [Fact]
    public async Task A_thousand_audio_out_events_reach_every_listener_in_the_order_they_were_published()
    {
        var session = NewSession();
        var first = new ConcurrentQueue<long>();
        var second = new ConcurrentQueue<long>();
        await using var one = await Hub.ListenAsync(session, e => Record(first, e), Ct);
        await using var two = await Hub.ListenAsync(session, e => Record(second, e), Ct);

        for (var i = 0; i < 1000; i++)
        {
            await Relay(session).PublishAsync(Frame(i));
        }

        await TestWait.UntilAsync(() => first.Count == 1000 && second.Count == 1000, () => $"1000 events at both listeners ({first.Count}, {second.Count})");
        Assert.Equal(Enumerable.Range(0, 1000).Select(i => (long)i), first);
        Assert.Equal(Enumerable.Range(0, 1000).Select(i => (long)i), second);
        Assert.Equal(1, await Relay(session).GetObserverCountAsync()); // one observer per process and session
    }

    [Fact]
    public async Task A_listener_finds_its_session_again_when_the_relay_activation_is_lost()
    {
        var session = NewSession();
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var hub = new SessionOutputHub(
            fixture.Client, Options.Create(new IngressOptions { OutputRenewalPeriod = TimeSpan.FromSeconds(2) }), clock, NullLogger<SessionOutputHub>.Instance);
        var seen = new ConcurrentQueue<long>();
        await using var listening = await hub.ListenAsync(session, e => Record(seen, e), Ct);
        await Relay(session).PublishAsync(Frame(1));
        await TestWait.UntilAsync(() => seen.Count == 1, "the first event");

        // The relay's activation goes away (as when its silo dies): the new one knows no observer.
        await Relay(session).Cast<IGrainManagementExtension>().DeactivateOnIdle(Ct);
        await TestWait.UntilAsync(async () => await Relay(session).GetObserverCountAsync() == 0, "a new relay activation without observers");
        await Relay(session).PublishAsync(Frame(2)); // nobody to hear it yet: the new activation keeps it

        // The listener's next renewal subscribes to the new activation, which hands it what it kept.
        clock.Advance(TimeSpan.FromSeconds(2));
        await TestWait.UntilAsync(async () => await Relay(session).GetObserverCountAsync() == 1, "the listener subscribed again");
        await Relay(session).PublishAsync(Frame(3));
        await TestWait.UntilAsync(() => seen.Count == 3, "the kept event and the one after the renewal");
        Assert.Equal([1L, 2L, 3L], seen);
    }

    [Fact]
    public async Task An_observer_whose_calls_fail_is_dropped_and_the_others_still_get_every_event()
    {
        var session = NewSession();
        var seen = new ConcurrentQueue<long>();
        await using var listening = await Hub.ListenAsync(session, e => Record(seen, e), Ct);
        var dead = new FailingObserver();
        var deadReference = fixture.Client.CreateObjectReference<ISessionOutputObserver>(dead);
        await Relay(session).SubscribeAsync(deadReference, TimeSpan.FromMinutes(5));
        Assert.Equal(2, await Relay(session).GetObserverCountAsync());

        for (var i = 0; i < 20; i++)
        {
            await Relay(session).PublishAsync(Frame(i));
        }

        await TestWait.UntilAsync(async () => await Relay(session).GetObserverCountAsync() == 1, "the failing observer dropped");
        await TestWait.UntilAsync(() => seen.Count == 20, "every event at the live listener");
        Assert.Equal(Enumerable.Range(0, 20).Select(i => (long)i), seen);
        Assert.Equal(1, dead.Calls); // called once, then never again
        fixture.Client.DeleteObjectReference<ISessionOutputObserver>(deadReference);
    }

    [Fact]
    public async Task An_observer_dropped_for_a_failed_call_gets_what_it_missed_when_it_renews_with_its_cursor()
    {
        var session = NewSession();
        var observer = new RecordingObserver { FailFirst = 1 };
        var reference = fixture.Client.CreateObjectReference<ISessionOutputObserver>(observer);
        var start = await Relay(session).SubscribeAsync(reference, TimeSpan.FromMinutes(5));
        Assert.Equal(0, start.Next);

        await Relay(session).PublishAsync(Frame(1));
        await TestWait.UntilAsync(async () => await Relay(session).GetObserverCountAsync() == 0, "the observer dropped after its failed call");
        await Relay(session).PublishAsync(Frame(2)); // published while nobody listens
        Assert.Empty(observer.Sequences);

        // The ingress renews with where it is: the relay sends both events again, numbered from where it was.
        var now = await Relay(session).SubscribeAsync(reference, TimeSpan.FromMinutes(5), start);
        Assert.Equal(new OutputCursor(start.Activation, 2), now);
        await TestWait.UntilAsync(() => observer.Sequences.Count == 2, "the missed events");
        await Relay(session).PublishAsync(Frame(3));
        await TestWait.UntilAsync(() => observer.Sequences.Count == 3, "the next event");
        Assert.Equal([1L, 2L, 3L], observer.Sequences);
        Assert.Equal(0, observer.FirstSequences.First());

        // Renewing with an up-to-date cursor sends nothing again.
        await Relay(session).SubscribeAsync(reference, TimeSpan.FromMinutes(5), new OutputCursor(start.Activation, 3));
        await Relay(session).PublishAsync(Frame(4));
        await TestWait.UntilAsync(() => observer.Sequences.Count == 4, "the event after the renewal");
        Assert.Equal([1L, 2L, 3L, 4L], observer.Sequences);
        fixture.Client.DeleteObjectReference<ISessionOutputObserver>(reference);
    }

    [Fact]
    public async Task A_relay_that_deactivates_hands_what_an_observer_missed_to_its_next_activation()
    {
        var session = NewSession();
        var observer = new RecordingObserver { FailFirst = 1 };
        var reference = fixture.Client.CreateObjectReference<ISessionOutputObserver>(observer);
        var start = await Relay(session).SubscribeAsync(reference, TimeSpan.FromMinutes(5));
        await Relay(session).PublishAsync(Frame(1));
        await TestWait.UntilAsync(async () => await Relay(session).GetObserverCountAsync() == 0, "the observer dropped after its failed call");
        await Relay(session).PublishAsync(Frame(2));

        // The activation goes away gracefully (as when its silo stops) with both events undelivered.
        await Relay(session).Cast<IGrainManagementExtension>().DeactivateOnIdle(Ct);
        var probe = fixture.Client.CreateObjectReference<ISessionOutputObserver>(new RecordingObserver());
        await TestWait.UntilAsync(async () => (await Relay(session).SubscribeAsync(probe, TimeSpan.FromMinutes(5))).Activation != start.Activation, "a new activation");

        // The observer renews with where it is: the new activation sends the old one's events, then its own.
        await Relay(session).SubscribeAsync(reference, TimeSpan.FromMinutes(5), start);
        await TestWait.UntilAsync(() => observer.Sequences.Count == 2, "the handed-over events");
        await Relay(session).PublishAsync(Frame(3));
        await TestWait.UntilAsync(() => observer.Sequences.Count == 3, "the new activation's own event");
        Assert.Equal([1L, 2L, 3L], observer.Sequences);
        Assert.Equal([0L, 0L], observer.FirstSequences); // the old activation's batch from its first event, then the new one's
        fixture.Client.DeleteObjectReference<ISessionOutputObserver>(reference);
        fixture.Client.DeleteObjectReference<ISessionOutputObserver>(probe);
    }

    [Fact]
    public async Task A_hand_over_meeting_one_written_by_an_overlapping_activation_keeps_both()
    {
        var session = NewSession();
        var observer = new RecordingObserver { FailFirst = 1 };
        var reference = fixture.Client.CreateObjectReference<ISessionOutputObserver>(observer);
        var start = await Relay(session).SubscribeAsync(reference, TimeSpan.FromMinutes(5));
        await Relay(session).PublishAsync(Frame(2));
        await TestWait.UntilAsync(async () => await Relay(session).GetObserverCountAsync() == 0, "the observer dropped after its failed call");

        // Another activation of this relay (they overlap while a silo stops) handed event 1 over after this one started.
        await WriteHandoverAsync(session, new RetainedEvent(Guid.CreateVersion7(), 0, DateTimeOffset.UtcNow, Frame(1), 3));

        await Relay(session).Cast<IGrainManagementExtension>().DeactivateOnIdle(Ct);
        var probe = fixture.Client.CreateObjectReference<ISessionOutputObserver>(new RecordingObserver());
        await TestWait.UntilAsync(async () => (await Relay(session).SubscribeAsync(probe, TimeSpan.FromMinutes(5))).Activation != start.Activation, "a new activation");
        await Relay(session).SubscribeAsync(reference, TimeSpan.FromMinutes(5), start);

        await TestWait.UntilAsync(() => observer.Sequences.Count == 2, "both activations' events");
        Assert.Equal([2L, 1L], observer.Sequences); // in publishing order: the other activation's event came last
        fixture.Client.DeleteObjectReference<ISessionOutputObserver>(reference);
        fixture.Client.DeleteObjectReference<ISessionOutputObserver>(probe);
    }

    [Fact]
    public async Task A_hand_over_written_after_the_new_activation_started_still_reaches_its_observers()
    {
        var session = NewSession();
        var observer = new RecordingObserver();
        var reference = fixture.Client.CreateObjectReference<ISessionOutputObserver>(observer);
        await Relay(session).SubscribeAsync(reference, TimeSpan.FromMinutes(5)); // this activation found no handover

        // The activation it overlapped (while a silo stopped) hands its undelivered event over only now.
        await WriteHandoverAsync(session, new RetainedEvent(Guid.CreateVersion7(), 4, DateTimeOffset.UtcNow, Frame(7), 3));

        await TestWait.UntilAsync(() => observer.Sequences.Count == 1, "the late handover's event");
        Assert.Equal([7L], observer.Sequences);
        Assert.Equal([4L], observer.FirstSequences); // numbered by the activation that handed it over
        fixture.Client.DeleteObjectReference<ISessionOutputObserver>(reference);
    }

    [Fact]
    public async Task A_forgotten_session_has_nothing_sent_again()
    {
        var session = NewSession();
        var observer = new RecordingObserver { FailFirst = 1 };
        var reference = fixture.Client.CreateObjectReference<ISessionOutputObserver>(observer);
        var start = await Relay(session).SubscribeAsync(reference, TimeSpan.FromMinutes(5));
        await Relay(session).PublishAsync(Frame(1));
        await TestWait.UntilAsync(async () => await Relay(session).GetObserverCountAsync() == 0, "the observer dropped after its failed call");

        await Relay(session).ForgetAsync(); // the session was deleted
        await Relay(session).SubscribeAsync(reference, TimeSpan.FromMinutes(5), start);
        await Relay(session).PublishAsync(Frame(2));

        await TestWait.UntilAsync(() => !observer.Sequences.IsEmpty, "the event after the renewal");
        Assert.Equal([2L], observer.Sequences); // the forgotten answer is not sent again
        fixture.Client.DeleteObjectReference<ISessionOutputObserver>(reference);
    }

    [Fact]
    public async Task A_subscription_that_is_not_renewed_expires()
    {
        var session = NewSession();
        var observer = new RecordingObserver();
        var reference = fixture.Client.CreateObjectReference<ISessionOutputObserver>(observer);
        await Relay(session).SubscribeAsync(reference, TimeSpan.FromMilliseconds(100));

        await TestWait.UntilAsync(async () => await Relay(session).GetObserverCountAsync() == 0, "the subscription expired");
        await Relay(session).PublishAsync(Frame(1));
        await Relay(session).SubscribeAsync(reference, TimeSpan.FromMinutes(5)); // the expired one was removed first
        await Relay(session).PublishAsync(Frame(2));

        await TestWait.UntilAsync(() => !observer.Sequences.IsEmpty, "the event after subscribing again");
        Assert.Equal([2L], observer.Sequences);
        fixture.Client.DeleteObjectReference<ISessionOutputObserver>(reference);
    }

    [Fact]
    public async Task Bad_input_is_refused_and_a_session_nobody_listens_to_takes_events_without_error()
    {
        var session = NewSession();
        var reference = fixture.Client.CreateObjectReference<ISessionOutputObserver>(new RecordingObserver());

        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => Relay(session).SubscribeAsync(reference, TimeSpan.Zero));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => Relay(session).SubscribeAsync(reference, TimeSpan.FromDays(1)));
        await Assert.ThrowsAsync<ArgumentNullException>(() => Relay(session).PublishAsync(null!));
        await Assert.ThrowsAnyAsync<ArgumentException>(() => Hub.ListenAsync("", _ => Task.CompletedTask, Ct));

        await Relay("unknown-" + session).PublishAsync(Frame(1));
        await Relay("unknown-" + session).UnsubscribeAsync(reference);
        Assert.Equal(0, await Relay("unknown-" + session).GetObserverCountAsync());
        Assert.Equal(0, await Relay(session).GetObserverCountAsync());
        fixture.Client.DeleteObjectReference<ISessionOutputObserver>(reference);
    }

    /// <summary>Writes a relay handover row straight to the silo's grain storage, as another activation of the relay would.</summary>
    private async Task WriteHandoverAsync(string session, params RetainedEvent[] events)
    {
        var silo = fixture.Cluster.Silos[0].ServiceProvider;
        var row = new RelayHandoverState { Events = silo.GetRequiredService<Orleans.Serialization.Serializer>().SerializeToArray(events) };
        await silo.GetRequiredKeyedService<Orleans.Storage.IGrainStorage>(StorageNames.Sessions)
            .WriteStateAsync("handover", Relay(session).GetGrainId(), new GrainState<RelayHandoverState>(row));
    }

    private static Task Record(ConcurrentQueue<long> seen, SessionOutputEvent item)
    {
        if (item is AnswerAudio audio)
        {
            seen.Enqueue(audio.FirstSequence);
        }

        return Task.CompletedTask;
    }

    private sealed class RecordingObserver : ISessionOutputObserver
    {
        public ConcurrentQueue<long> Sequences { get; } = new();

        public ConcurrentQueue<long> FirstSequences { get; } = new();

        /// <summary>Calls to fail before recording (an ingress whose calls fail for a while).</summary>
        public int FailFirst { get; set; }

        public Task OnOutputAsync(string sessionId, OutputBatch batch)
        {
            if (FailFirst > 0)
            {
                FailFirst--;
                throw new InvalidOperationException("The ingress is unreachable for now.");
            }

            FirstSequences.Enqueue(batch.FirstSequence);
            foreach (var item in batch.Items)
            {
                _ = Record(Sequences, item);
            }

            return Task.CompletedTask;
        }
    }

    /// <summary>An observer whose process is gone: every call fails.</summary>
    private sealed class FailingObserver : ISessionOutputObserver
    {
        private int _calls;

        public int Calls => Volatile.Read(ref _calls);

        public Task OnOutputAsync(string sessionId, OutputBatch batch)
        {
            Interlocked.Increment(ref _calls);
            throw new InvalidOperationException("The ingress process is gone.");
        }
    }
}
