using System.Diagnostics;
using AudioOrchestrator.Discord.Voice.Pacing;

namespace AudioOrchestrator.Discord.Tests.Voice;

public sealed class PacingThreadTests
{
    private const string PacerName = "pacing test";

    [Fact]
    public async Task Waits_complete_at_their_deadline_and_continue_on_the_pacing_thread()
    {
        using var pacer = new PacingThread(PacerName);

        var wakeUps = await PaceAsync(pacer, 5, TestContext.Current.CancellationToken);

        // However late the machine lets anything run, no wait may complete before its deadline.
        Assert.All(wakeUps, w => Assert.True(w.At >= w.Deadline, "a wait completed before its deadline"));

        // A wait started on the pacing thread continues on it, inline, with no thread-pool hop: that thread is the only
        // one completing waits, and it is busy running the sender until the sender awaits, so the sender is always
        // awaiting by the time its wait completes, however the OS schedules the two.
        Assert.All(wakeUps.Where(w => w.StartedOnPacer), w => Assert.Equal(PacerName, w.Thread));
    }

    // Outside the test method: the sender's code continues without a synchronization context, as in the connection.
    private static async Task<List<(long Deadline, long At, string? Thread, bool StartedOnPacer)>> PaceAsync(PacingThread pacer, int count, CancellationToken ct)
    {
        // The sender starts off the pacing thread. Its first wait continues there only if the sender was already
        // awaiting it when it completed; one descheduled past the deadline before it got to await it goes on where it
        // is (there was nothing to hop from), so it waits again. A pacer that hops to the pool never gets it there.
        var giveUp = Stopwatch.GetTimestamp() + (10 * Stopwatch.Frequency);
        var wakeUps = new List<(long, long, string?, bool)>();
        var startedOnPacer = 0;
        while (startedOnPacer < count)
        {
            var onPacer = Thread.CurrentThread.Name == PacerName;
            Assert.True(onPacer || Stopwatch.GetTimestamp() < giveUp, "no wait continued on the pacing thread in 10 s");
            var deadline = Stopwatch.GetTimestamp() + (Stopwatch.Frequency / 100); // 10 ms from now
            await pacer.WaitUntilAsync(deadline, ct).ConfigureAwait(false);
            wakeUps.Add((deadline, Stopwatch.GetTimestamp(), Thread.CurrentThread.Name, onPacer));
            startedOnPacer += onPacer ? 1 : 0;
        }

        return wakeUps;
    }

    [Fact]
    public async Task A_cancelled_wait_throws_and_the_next_one_still_completes()
    {
        using var pacer = new PacingThread(PacerName);
        using var cancel = new CancellationTokenSource();
        var far = pacer.WaitUntilAsync(Stopwatch.GetTimestamp() + (10 * Stopwatch.Frequency), cancel.Token);

        await cancel.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => far);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => pacer.WaitUntilAsync(Stopwatch.GetTimestamp(), cancel.Token));
    }

    [Fact]
    public async Task A_wait_started_while_a_cancelled_one_is_still_slept_for_completes_at_its_own_deadline()
    {
        using var pacer = new PacingThread(PacerName);
        using var cancel = new CancellationTokenSource();
        var cancelled = pacer.WaitUntilAsync(Stopwatch.GetTimestamp() + (Stopwatch.Frequency / 20), cancel.Token); // 50 ms
        await cancel.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => cancelled);

        // The pacing thread is still sleeping towards the cancelled wait's deadline (unless this thread was descheduled
        // past it: then the next wait is simply served on its own).
        var deadline = Stopwatch.GetTimestamp() + (Stopwatch.Frequency / 5); // 200 ms, well after the cancelled one's
        await pacer.WaitUntilAsync(deadline, TestContext.Current.CancellationToken);

        Assert.True(Stopwatch.GetTimestamp() >= deadline, "the wait completed before its own deadline (at the cancelled one's)");
    }

    [Fact]
    public void Disposing_cancels_a_pending_wait()
    {
        var pacer = new PacingThread(PacerName);
        var pending = pacer.WaitUntilAsync(Stopwatch.GetTimestamp() + (10 * Stopwatch.Frequency), CancellationToken.None);

        pacer.Dispose();

        Assert.True(pending.IsCanceled || pending.IsCompletedSuccessfully, "a pending wait must not hang after dispose");
        Assert.True(pacer.WaitUntilAsync(Stopwatch.GetTimestamp(), CancellationToken.None).IsCanceled, "a wait after dispose is cancelled");
        pacer.Dispose();
    }

    [Fact]
    public async Task A_sender_disposing_its_pacer_from_the_pacing_thread_neither_deadlocks_nor_crashes()
    {
        var pacer = new PacingThread(PacerName);

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
