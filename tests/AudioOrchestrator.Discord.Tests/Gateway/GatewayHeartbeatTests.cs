using AudioOrchestrator.Discord.Gateway;
using AudioOrchestrator.Testing;
using Microsoft.Extensions.Time.Testing;

namespace AudioOrchestrator.Discord.Tests.Gateway;

public sealed class GatewayHeartbeatTests
{
    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(41_250);

    [Fact]
    public async Task The_first_beat_comes_after_a_random_fraction_of_the_interval_then_one_per_interval()
    {
        var time = new TimerCountingTimeProvider();
        var sent = new List<DateTimeOffset>();
        var heartbeat = new GatewayHeartbeat(Interval, time, new Random(7), _ => Record(sent, time));
        var firstDelay = Interval * new Random(7).NextDouble();
        using var stop = new CancellationTokenSource();

        var loop = heartbeat.RunUntilAckMissingAsync(stop.Token);
        await time.WaitForTimersAsync(1);
        time.Advance(firstDelay - TimeSpan.FromMilliseconds(1));
        Assert.Empty(sent);
        time.Advance(TimeSpan.FromMilliseconds(1));
        await TestWait.UntilAsync(() => Count(sent) == 1, "the first beat");

        for (var beat = 2; beat <= 4; beat++)
        {
            Assert.NotNull(heartbeat.Acknowledge());
            await time.WaitForTimersAsync(beat);
            time.Advance(Interval - TimeSpan.FromMilliseconds(1));
            Assert.Equal(beat - 1, Count(sent));
            time.Advance(TimeSpan.FromMilliseconds(1));
            await TestWait.UntilAsync(() => Count(sent) == beat, "the next beat");
        }

        Assert.False(loop.IsCompleted);
        await stop.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => loop);
        lock (sent)
        {
            var start = time.Start;
            Assert.Equal(start + firstDelay, sent[0]);
            Assert.Equal([Interval, Interval, Interval], sent.Zip(sent.Skip(1), (a, b) => b - a));
        }
    }

    [Fact]
    public async Task A_beat_due_while_the_last_one_is_unacknowledged_ends_the_loop_as_a_zombie()
    {
        var time = new TimerCountingTimeProvider();
        var sent = new List<DateTimeOffset>();
        var heartbeat = new GatewayHeartbeat(Interval, time, new Random(1), _ => Record(sent, time));

        var loop = heartbeat.RunUntilAckMissingAsync(CancellationToken.None);
        await time.WaitForTimersAsync(1);
        time.Advance(Interval);
        await TestWait.UntilAsync(() => Count(sent) == 1, "the first beat");
        await time.WaitForTimersAsync(2);
        time.Advance(Interval);

        await loop.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);
        Assert.Equal(1, Count(sent));
    }

    [Fact]
    public async Task An_ack_gives_the_time_since_the_beat_it_answers()
    {
        var time = new FakeTimeProvider();
        var heartbeat = new GatewayHeartbeat(Interval, time, new Random(1), _ => Task.CompletedTask);
        Assert.Null(heartbeat.Acknowledge());

        await heartbeat.BeatAsync(CancellationToken.None);
        time.Advance(TimeSpan.FromMilliseconds(150));

        Assert.Equal(TimeSpan.FromMilliseconds(150), heartbeat.Acknowledge());
    }

    private static int Count(List<DateTimeOffset> sent)
    {
        lock (sent)
        {
            return sent.Count;
        }
    }

    private static Task Record(List<DateTimeOffset> sent, TimeProvider time)
    {
        lock (sent)
        {
            sent.Add(time.GetUtcNow());
        }

        return Task.CompletedTask;
    }

    /// <summary>A fake clock that counts the timers created on it, so a test advances only once the loop waits.</summary>
    private sealed class TimerCountingTimeProvider : FakeTimeProvider
    {
        private int _timers;

        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
        {
            var timer = base.CreateTimer(callback, state, dueTime, period);
            Interlocked.Increment(ref _timers);
            return timer;
        }

        public Task WaitForTimersAsync(int count) =>
            TestWait.UntilAsync(() => Volatile.Read(ref _timers) >= count, $"{count} timers");
    }
}
