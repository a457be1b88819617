using AudioOrchestrator.Contracts;
using AudioOrchestrator.Grains.Speakers;

namespace AudioOrchestrator.Grains.Tests.Speakers;

public sealed class HeardAudioQueueTests
{
    private static OpusFrameBatch Live(long first) => new(first, [new byte[3]], DateTimeOffset.UnixEpoch);

    private static OpusFrameBatch Upload(long first) => new(first, [new byte[3]], DateTimeOffset.UnixEpoch) { CorrelationId = "u" };

    [Fact]
    public void The_first_item_starts_a_handler_later_ones_wait_and_come_out_in_order()
    {
        var queue = new HeardAudioQueue();
        Assert.False(queue.IsBusy);
        Assert.Equal(Queued.StartHandler, queue.Enqueue(Upload(0)));
        Assert.Equal(Queued.Waiting, queue.Enqueue(Upload(4)));
        Assert.Equal(Queued.Waiting, queue.Enqueue(new SpeakerInputEnded(DateTimeOffset.UnixEpoch) { CorrelationId = "u" }));
        Assert.True(queue.IsBusy);

        var order = new List<string>();
        while (queue.TryDequeue(out var item))
        {
            order.Add(item is OpusFrameBatch batch ? $"batch {batch.FirstSequence}" : "end");
        }

        Assert.Equal(["batch 0", "batch 4", "end"], order);
        Assert.True(queue.IsBusy); // the handler is still running until it says it stopped
        queue.HandlingStopped();
        Assert.False(queue.IsBusy);
        Assert.Equal(Queued.StartHandler, queue.Enqueue(Upload(8)));
    }

    [Fact]
    public void A_full_live_backlog_drops_new_live_batches_but_never_uploads_or_input_ends()
    {
        var queue = new HeardAudioQueue();
        for (var i = 0; i < HeardAudioQueue.MaxQueued; i++)
        {
            Assert.NotEqual(Queued.Dropped, queue.Enqueue(Live(i)));
        }

        Assert.Equal(Queued.Dropped, queue.Enqueue(Live(HeardAudioQueue.MaxQueued)));
        Assert.Equal(Queued.Waiting, queue.Enqueue(Upload(0)));
        Assert.Equal(Queued.Waiting, queue.Enqueue(new SpeakerInputEnded(DateTimeOffset.UnixEpoch)));
    }

    [Fact]
    public void Stopping_drops_what_is_queued_and_refuses_more()
    {
        var queue = new HeardAudioQueue();
        queue.Enqueue(Upload(0));
        queue.Enqueue(Upload(4));
        Assert.True(queue.TryDequeue(out _));

        Assert.Single(queue.Stop());
        Assert.False(queue.TryDequeue(out _));
        Assert.Equal(Queued.Dropped, queue.Enqueue(Upload(8)));
    }
}
