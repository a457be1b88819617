using System.Collections.Concurrent;
using AudioOrchestrator.Contracts;
using AudioOrchestrator.Grains.Output;
using AudioOrchestrator.Testing;
using Microsoft.Extensions.Time.Testing;

namespace AudioOrchestrator.Grains.Tests.Output;

/// <summary>
/// What a relay keeps to send again (<see cref="RetainedOutput"/>) and how one observer's deliveries start over after a
/// call lost on its way (<see cref="SessionOutputSubscriber"/>), on a fake clock.
/// </summary>
public sealed class RelayRedeliveryTests
{
    private static readonly Guid Activation = Guid.NewGuid();

    private static AnswerAudio Audio(long sequence, int bytes = 3) => new("t", sequence, [new byte[bytes]]);

    private static IEnumerable<long> Sequences(IEnumerable<RetainedEvent> events) => events.Select(e => e.Sequence);

    [Fact]
    public void Kept_events_are_numbered_from_zero_and_the_oldest_go_first_by_age_count_and_bytes()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UnixEpoch);
        var kept = new RetainedOutput(Activation, TimeSpan.FromSeconds(30), maxEvents: 4, maxBytes: 100, clock);
        Assert.Equal(0, kept.Add(Audio(0)).Sequence);
        clock.Advance(TimeSpan.FromSeconds(20));
        for (var i = 1; i <= 3; i++)
        {
            Assert.Equal(i, kept.Add(Audio(i)).Sequence);
        }

        Assert.Equal([0L, 1L, 2L, 3L], Sequences(kept.HandOver()));
        Assert.Equal([2L, 3L], Sequences(kept.After(new OutputCursor(Activation, 2), out var gone)));
        Assert.Equal(0, gone);

        clock.Advance(TimeSpan.FromSeconds(11)); // event 0 is 31 s old
        Assert.Equal([1L, 2L, 3L], Sequences(kept.HandOver()));
        Assert.Equal([1L, 2L, 3L], Sequences(kept.After(new OutputCursor(Activation, 0), out gone)));
        Assert.Equal(1, gone); // wanted, but no longer kept

        kept.Add(Audio(4));
        kept.Add(Audio(5)); // five kept would be over the count
        Assert.Equal([2L, 3L, 4L, 5L], Sequences(kept.HandOver()));

        kept.Add(Audio(6, bytes: 95)); // 3 + 3 + 3 + 95 bytes: over 100, so 3 and 4 go
        Assert.Equal([5L, 6L], Sequences(kept.HandOver()));
        Assert.Equal(new OutputCursor(Activation, 7), kept.End);
        Assert.Empty(kept.After(kept.End, out _));
        Assert.Empty(kept.After(null, out _)); // a new observer starts from now
    }

    [Fact]
    public void A_new_activation_sends_what_the_previous_one_handed_over_from_where_each_observer_is()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UnixEpoch);
        var old = new RetainedOutput(Guid.NewGuid(), TimeSpan.FromSeconds(30), 100, 10_000, clock);
        for (var i = 0; i < 3; i++)
        {
            old.Add(Audio(i));
        }

        var oldEnd = old.End;
        var next = new RetainedOutput(Activation, TimeSpan.FromSeconds(30), 100, 10_000, clock);
        next.Add(Audio(100)); // published to the new activation before it took the handover over: still after it
        Assert.Equal(3, next.Inherit(old.HandOver()).Count);
        Assert.Empty(next.Inherit(old.HandOver())); // the same handover found again: nothing new
        next.Add(Audio(101));

        var missed = next.After(new OutputCursor(oldEnd.Activation, 1), out var gone); // had the old one's first event
        Assert.Equal([1L, 2L, 100L, 101L], missed.Select(e => ((AnswerAudio)e.Item).FirstSequence));
        Assert.Equal([oldEnd.Activation, oldEnd.Activation, Activation, Activation], missed.Select(e => e.Activation));
        Assert.Equal(0, gone);
        Assert.Equal([100L, 101L], next.After(oldEnd, out _).Select(e => ((AnswerAudio)e.Item).FirstSequence));
        Assert.Equal(5, next.After(new OutputCursor(Guid.NewGuid(), 7), out _).Count); // knows neither: everything
        Assert.Equal([101L], next.After(new OutputCursor(Activation, 1), out _).Select(e => ((AnswerAudio)e.Item).FirstSequence));
    }

    [Fact]
    public async Task A_call_lost_on_its_way_is_sent_again_and_its_late_outcome_changes_nothing()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UnixEpoch);
        var observer = new ScriptedObserver();
        var failures = new ConcurrentQueue<Exception>();
        var subscriber = new SessionOutputSubscriber(
            "s", observer, clock.GetUtcNow().AddHours(1), maxPending: 100, TimeSpan.FromSeconds(10), clock, (_, ex) => failures.Enqueue(ex));
        var kept = new RetainedOutput(Activation, TimeSpan.FromSeconds(30), 100, 10_000, clock);

        var lost = observer.HoldNextCall();
        subscriber.TryEnqueue(kept.Add(Audio(0)));
        subscriber.TryEnqueue(kept.Add(Audio(1)));
        await TestWait.UntilAsync(() => observer.Calls == 1, "the first call on its way");
        var before = new OutputCursor(Activation, 0);
        Assert.False(subscriber.IsStalled(before, TimeSpan.FromSeconds(1))); // not long enough yet

        clock.Advance(TimeSpan.FromSeconds(1));
        Assert.False(subscriber.IsStalled(new OutputCursor(Activation, 1), TimeSpan.FromSeconds(1))); // the observer has its first event: slow, not lost
        Assert.True(subscriber.IsStalled(before, TimeSpan.FromSeconds(1)));
        Assert.True(subscriber.IsStalled(new OutputCursor(Guid.NewGuid(), 9), TimeSpan.FromSeconds(1))); // nothing of this activation arrived

        subscriber.Resend(kept.After(before, out _));
        await TestWait.UntilAsync(() => observer.Batches.Count == 1, "the events sent again");
        Assert.Equal(0, observer.Batches.Single().FirstSequence);
        Assert.Equal(2, observer.Batches.Single().Items.Length);
        await subscriber.WhenIdleAsync();

        // The abandoned call fails late: the observer is not dropped, and delivery goes on.
        lost.SetException(new TimeoutException("late"));
        subscriber.TryEnqueue(kept.Add(Audio(2)));
        await TestWait.UntilAsync(() => observer.Batches.Count == 2, "the next event");
        Assert.Equal(2, observer.Batches.Last().FirstSequence);
        Assert.Empty(failures);
    }

    [Fact]
    public async Task Events_of_two_activations_go_in_one_batch_each_in_order()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UnixEpoch);
        var observer = new ScriptedObserver();
        var subscriber = new SessionOutputSubscriber("s", observer, clock.GetUtcNow().AddHours(1), 100, TimeSpan.FromSeconds(10), clock, (_, _) => { });
        var previous = Guid.NewGuid();
        subscriber.Resend(
        [
            new RetainedEvent(previous, 4, clock.GetUtcNow(), Audio(4), 3),
            new RetainedEvent(previous, 5, clock.GetUtcNow(), Audio(5), 3),
            new RetainedEvent(Activation, 0, clock.GetUtcNow(), Audio(0), 3),
        ]);

        await TestWait.UntilAsync(() => observer.Batches.Count == 2, "both batches");
        var batches = observer.Batches.ToArray();
        Assert.Equal((previous, 4L, 2), (batches[0].Activation, batches[0].FirstSequence, batches[0].Items.Length));
        Assert.Equal((Activation, 0L, 1), (batches[1].Activation, batches[1].FirstSequence, batches[1].Items.Length));
    }

    [Fact]
    public async Task A_call_that_outlasts_the_delivery_timeout_drops_the_observer()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UnixEpoch);
        var observer = new ScriptedObserver();
        var failures = new ConcurrentQueue<Exception>();
        var subscriber = new SessionOutputSubscriber(
            "s", observer, clock.GetUtcNow().AddHours(1), maxPending: 100, TimeSpan.FromSeconds(10), clock, (_, ex) => failures.Enqueue(ex));
        observer.HoldNextCall();
        subscriber.TryEnqueue(new RetainedEvent(Activation, 0, clock.GetUtcNow(), Audio(0), 3));
        await TestWait.UntilAsync(() => observer.Calls == 1, "the call on its way");

        clock.Advance(TimeSpan.FromSeconds(10));
        await TestWait.UntilAsync(() => !failures.IsEmpty, "the observer reported failed");
        Assert.IsType<TimeoutException>(failures.Single());
        Assert.False(subscriber.TryEnqueue(new RetainedEvent(Activation, 1, clock.GetUtcNow(), Audio(1), 3))); // stopped
        await subscriber.WhenIdleAsync();
    }

    /// <summary>An ingress observer whose next call can be held (a call lost on its way); the others are recorded.</summary>
    private sealed class ScriptedObserver : ISessionOutputObserver
    {
        private TaskCompletionSource? _hold;
        private int _calls;

        public ConcurrentQueue<OutputBatch> Batches { get; } = new();

        public int Calls => Volatile.Read(ref _calls);

        public TaskCompletionSource HoldNextCall() => _hold = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task OnOutputAsync(string sessionId, OutputBatch batch)
        {
            Interlocked.Increment(ref _calls);
            if (Interlocked.Exchange(ref _hold, null) is { } held)
            {
                return held.Task;
            }

            Batches.Enqueue(batch);
            return Task.CompletedTask;
        }
    }
}
