using System.Collections.Concurrent;
using AudioOrchestrator.Contracts;
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

        public Task OnOutputAsync(string sessionId, SessionOutputEvent[] items)
        {
            foreach (var item in items)
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

        public Task OnOutputAsync(string sessionId, SessionOutputEvent[] items)
        {
            Interlocked.Increment(ref _calls);
            throw new InvalidOperationException("The ingress process is gone.");
        }
    }
}
