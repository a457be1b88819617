using System.Runtime.CompilerServices;
using AudioOrchestrator.Ingress.Streams;
using AudioOrchestrator.Testing;
using Microsoft.Extensions.Time.Testing;
using Orleans.Runtime;

namespace AudioOrchestrator.Grains.Tests.Failover;

/// <summary>
/// The ingress' short grain calls are made again when refused or unanswered (a crashed silo answers nothing, and a
/// client is not told it died); other errors are not retried. Timeouts run on a fake clock.
/// </summary>
public sealed class ClusterCallRetryTests
{
    private static readonly TimeSpan AttemptTimeout = TimeSpan.FromSeconds(2);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>A rejection as Orleans makes it when the connection to a crashed silo is refused (its constructors are internal).</summary>
    internal static OrleansMessageRejectionException Rejection() =>
        (OrleansMessageRejectionException)RuntimeHelpers.GetUninitializedObject(typeof(OrleansMessageRejectionException));

    /// <summary>Moves the fake clock on by 50 ms; true, to be used inside a wait's condition.</summary>
    private static bool Step(FakeTimeProvider time)
    {
        time.Advance(TimeSpan.FromMilliseconds(50));
        return true;
    }

    [Fact]
    public async Task A_call_without_an_answer_is_made_again_after_the_attempt_timeout()
    {
        var time = new FakeTimeProvider();
        var attempts = new List<TaskCompletionSource>();
        var run = ClusterCallRetry.RunAsync(
            () =>
            {
                var call = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                attempts.Add(call);
                return call.Task;
            },
            AttemptTimeout,
            time,
            Ct);

        Assert.Single(attempts); // the first call was lost with its silo: no answer ever
        time.Advance(AttemptTimeout - TimeSpan.FromMilliseconds(1));
        await Task.Yield();
        Assert.Single(attempts);

        // The clock moves on (in small steps: the retry's wait starts once the timeout was seen) until it is made again.
        await TestWait.UntilAsync(() => Step(time) && attempts.Count == 2, "the second attempt");
        Assert.InRange(time.GetUtcNow() - time.Start, AttemptTimeout, AttemptTimeout + ClusterCallRetry.FirstDelay + TimeSpan.FromSeconds(1));

        attempts[1].SetResult();
        await run;
        Assert.False(attempts[0].Task.IsCompleted);
    }

    [Fact]
    public async Task A_refused_call_is_made_again()
    {
        var time = new FakeTimeProvider();
        var calls = 0;
        var run = ClusterCallRetry.RunAsync(
            () => ++calls == 1 ? Task.FromException(Rejection()) : Task.CompletedTask,
            AttemptTimeout,
            time,
            Ct);

        await TestWait.UntilAsync(() => Step(time) && run.IsCompleted, "the second attempt");
        await run;
        Assert.Equal(2, calls);
    }

    [Fact]
    public async Task Each_attempt_is_told_its_number_so_a_call_made_again_can_say_so()
    {
        var time = new FakeTimeProvider();
        var attempts = new List<int>();
        var run = ClusterCallRetry.RunAsync(
            attempt =>
            {
                attempts.Add(attempt);
                return attempt < 3 ? Task.FromException(Rejection()) : Task.CompletedTask;
            },
            AttemptTimeout,
            time,
            Ct);

        await TestWait.UntilAsync(() => Step(time) && run.IsCompleted, "the third attempt");
        await run;
        Assert.Equal([1, 2, 3], attempts);
    }

    [Fact]
    public async Task After_the_last_attempt_the_error_is_thrown()
    {
        var time = new FakeTimeProvider();
        var calls = 0;
        var run = ClusterCallRetry.RunAsync(
            () =>
            {
                calls++;
                return Task.FromException(new SiloUnavailableException("gone"));
            },
            AttemptTimeout,
            time,
            Ct);

        await TestWait.UntilAsync(() => Step(time) && run.IsCompleted, "the last attempt");
        await Assert.ThrowsAsync<SiloUnavailableException>(() => run);
        Assert.Equal(ClusterCallRetry.Attempts, calls);
    }

    [Fact]
    public async Task Other_errors_are_not_retried()
    {
        var calls = 0;
        await Assert.ThrowsAsync<InvalidOperationException>(() => ClusterCallRetry.RunAsync(
            () =>
            {
                calls++;
                return Task.FromException(new InvalidOperationException("bug"));
            },
            AttemptTimeout,
            new FakeTimeProvider(),
            Ct));
        Assert.Equal(1, calls);
    }
}
