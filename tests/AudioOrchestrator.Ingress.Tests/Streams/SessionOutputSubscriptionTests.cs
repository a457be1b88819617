using AudioOrchestrator.Contracts;
using AudioOrchestrator.Ingress;
using AudioOrchestrator.Ingress.Streams;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace AudioOrchestrator.Ingress.Tests.Streams;

/// <summary>
/// The ingress' side of a session's audio-out: batches the relay sent again (after a call lost on its way, or a
/// renewal) reach the listeners once each, in order; a new relay activation's events are all taken.
/// </summary>
public sealed class SessionOutputSubscriptionTests
{
    private static readonly Guid First = Guid.NewGuid();
    private static readonly Guid Second = Guid.NewGuid();

    private static AnswerAudio Audio(long sequence) => new("t", sequence, [new byte[3]]);

    private static OutputBatch Batch(Guid activation, long first, int count) =>
        new(activation, first, [.. Enumerable.Range(0, count).Select(i => (SessionOutputEvent)Audio(first + i))]);

    [Fact]
    public async Task Events_sent_again_reach_the_listeners_once_and_a_new_activation_starts_afresh()
    {
        // No cluster: the observer's delivery is what is tested (the client is only used to subscribe).
        var hub = new SessionOutputHub(null!, Options.Create(new IngressOptions()), TimeProvider.System, NullLogger<SessionOutputHub>.Instance);
        var subscription = new SessionOutputSubscription("s", hub);
        var seen = new List<(string Listener, long Sequence)>();
        await using var one = subscription.Add(e => Record(seen, "one", e));
        await using var two = subscription.Add(e => Record(seen, "two", e));

        await subscription.OnOutputAsync("s", Batch(First, 0, 2));
        await subscription.OnOutputAsync("s", Batch(First, 0, 3)); // 0 and 1 again, then 2
        await subscription.OnOutputAsync("s", Batch(First, 1, 2)); // all had
        await subscription.OnOutputAsync("s", Batch(Second, 0, 2)); // the relay re-activated: its own numbering
        await subscription.OnOutputAsync("s", Batch(First, 2, 3)); // the first activation's last events, handed on late: 3 and 4 are new
        await subscription.OnOutputAsync("s", Batch(First, 3, 2)); // and once more: all had

        Assert.Equal([0L, 1L, 2L, 0L, 1L, 3L, 4L], seen.Where(s => s.Listener == "one").Select(s => s.Sequence));
        Assert.Equal([0L, 1L, 2L, 0L, 1L, 3L, 4L], seen.Where(s => s.Listener == "two").Select(s => s.Sequence));
    }

    [Fact]
    public async Task A_malformed_batch_is_refused()
    {
        var hub = new SessionOutputHub(null!, Options.Create(new IngressOptions()), TimeProvider.System, NullLogger<SessionOutputHub>.Instance);
        var subscription = new SessionOutputSubscription("s", hub);
        await Assert.ThrowsAsync<ArgumentNullException>(() => subscription.OnOutputAsync("s", null!));
        await Assert.ThrowsAsync<ArgumentNullException>(() => subscription.OnOutputAsync("s", new OutputBatch(First, 0, null!)));
    }

    private static Task Record(List<(string, long)> seen, string listener, SessionOutputEvent item)
    {
        lock (seen)
        {
            seen.Add((listener, ((AnswerAudio)item).FirstSequence));
        }

        return Task.CompletedTask;
    }
}
