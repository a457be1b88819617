using System.Diagnostics;
using AudioOrchestrator.Discord.Voice.Pacing;

namespace AudioOrchestrator.Discord.Tests.Voice;

public sealed class PacingThreadTests
{
    [Fact]
    public async Task Waits_complete_at_their_deadline_and_continue_on_the_pacing_thread()
    {
        using var pacer = new PacingThread("pacing test");

        var wakeUps = await PaceAsync(pacer, 5, TestContext.Current.CancellationToken);

        Assert.All(wakeUps, w => Assert.True(w.At >= w.Deadline, "a wait completed before its deadline"));

        // A wait the sender was already awaiting continues on the pacing thread (no thread-pool hop). One that had
        // completed before the sender got to await it (a sender descheduled past its deadline on a loaded machine)
        // simply goes on where the sender is: nothing to hop from.
        Assert.All(wakeUps.Where(w => w.Awaited), w => Assert.Equal("pacing test", w.Thread));
    }

    // Outside the test method: the sender's code continues without a synchronization context, as in the connection.
    private static async Task<List<(long Deadline, long At, string? Thread, bool Awaited)>> PaceAsync(PacingThread pacer, int count, CancellationToken ct)
    {
        var start = Stopwatch.GetTimestamp();
        var wakeUps = new List<(long, long, string?, bool)>();
        for (var i = 1; i <= count; i++)
        {
            var deadline = start + (i * Stopwatch.Frequency / 100); // every 10 ms
            var wait = pacer.WaitUntilAsync(deadline, ct);
            var awaited = !wait.IsCompleted;
            await wait.ConfigureAwait(false);
            wakeUps.Add((deadline, Stopwatch.GetTimestamp(), Thread.CurrentThread.Name, awaited));
        }

        return wakeUps;
    }

    [Fact]
    public async Task A_cancelled_wait_throws_and_the_next_one_still_completes()
    {
        using var pacer = new PacingThread("pacing test");
        using var cancel = new CancellationTokenSource();
        var far = pacer.WaitUntilAsync(Stopwatch.GetTimestamp() + (10 * Stopwatch.Frequency), cancel.Token);

        await cancel.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => far);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => pacer.WaitUntilAsync(Stopwatch.GetTimestamp(), cancel.Token));
    }

    [Fact]
    public void Disposing_cancels_a_pending_wait()
    {
        var pacer = new PacingThread("pacing test");
        var pending = pacer.WaitUntilAsync(Stopwatch.GetTimestamp() + (10 * Stopwatch.Frequency), CancellationToken.None);

        pacer.Dispose();

        Assert.True(pending.IsCanceled || pending.IsCompletedSuccessfully, "a pending wait must not hang after dispose");
        Assert.True(pacer.WaitUntilAsync(Stopwatch.GetTimestamp(), CancellationToken.None).IsCanceled, "a wait after dispose is cancelled");
        pacer.Dispose();
    }

    [Fact]
    public async Task A_sender_disposing_its_pacer_from_the_pacing_thread_neither_deadlocks_nor_crashes()
    {
        var pacer = new PacingThread("pacing test");

        await DisposeInlineAsync(pacer);

        Assert.True(pacer.WaitUntilAsync(Stopwatch.GetTimestamp(), CancellationToken.None).IsCanceled);
    }

    private static async Task DisposeInlineAsync(PacingThread pacer)
    {
        await pacer.WaitUntilAsync(Stopwatch.GetTimestamp() + (Stopwatch.Frequency / 100), CancellationToken.None).ConfigureAwait(false);
        pacer.Dispose(); // on the pacing thread itself, as a connection disposed by its own sender would
        await Task.Delay(50, CancellationToken.None).ConfigureAwait(false); // the thread ends on its own meanwhile
    }
}
