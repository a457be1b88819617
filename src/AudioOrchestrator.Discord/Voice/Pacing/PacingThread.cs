namespace AudioOrchestrator.Discord.Voice.Pacing;

/// <summary>
/// A dedicated thread that completes one paced sender's waits at their deadlines. The awaiting code continues inline
/// on this thread (no thread-pool hop), so a busy pool cannot delay a frame; between deadlines the thread sleeps.
/// One waiter at a time (the connection's playback is serialised).
/// </summary>
internal sealed class PacingThread : IDisposable
{
    private readonly Thread _thread;
    private readonly SemaphoreSlim _requests = new(0);
    private Waiter? _waiter;
    private volatile bool _stopped;

    public PacingThread(string name)
    {
        _thread = new Thread(Run) { IsBackground = true, Name = name };
        _thread.Start();
    }

    /// <summary>Completes at <paramref name="deadline"/> (a <see cref="System.Diagnostics.Stopwatch"/> timestamp) on the pacing thread.</summary>
    public Task WaitUntilAsync(long deadline, CancellationToken cancellationToken)
    {
        // Synchronous continuations on purpose: the sender runs on the pacing thread right after the wake-up.
        var waiter = new Waiter(deadline);
        if (cancellationToken.IsCancellationRequested)
        {
            return Task.FromCanceled(cancellationToken);
        }

        if (_stopped)
        {
            return Task.FromCanceled(new CancellationToken(canceled: true));
        }

        Volatile.Write(ref _waiter, waiter);
        if (_stopped)
        {
            // Disposed meanwhile: the thread may be gone, so nobody else would complete the wait.
            waiter.TrySetCanceled();
            return waiter.Task;
        }

        _requests.Release();
        return cancellationToken.CanBeCanceled ? WaitCancellableAsync(waiter, cancellationToken) : waiter.Task;
    }

    public void Dispose()
    {
        if (_stopped)
        {
            return;
        }

        _stopped = true;
        _requests.Release();
        Volatile.Read(ref _waiter)?.TrySetCanceled();

        // From the pacing thread itself (a sender disposing its connection inline) the thread ends on its own after
        // this call returns; the semaphore is then left to the garbage collector (it holds no handle).
        if (Thread.CurrentThread != _thread && _thread.Join(TimeSpan.FromSeconds(1)))
        {
            _requests.Dispose();
        }
    }

    private static async Task WaitCancellableAsync(TaskCompletionSource waiter, CancellationToken cancellationToken)
    {
        using (cancellationToken.UnsafeRegister(static state => ((TaskCompletionSource)state!).TrySetCanceled(), waiter))
        {
            await waiter.Task.ConfigureAwait(false);
        }
    }

    private void Run()
    {
        while (true)
        {
            _requests.Wait();
            if (_stopped)
            {
                return;
            }

            var waiter = Volatile.Read(ref _waiter);
            if (waiter is null)
            {
                // Nothing left: the wait of this release was served on an earlier one (a cancelled wait's, replaced
                // before this thread took it).
                continue;
            }

            MonotonicSleep.Until(waiter.Deadline);
            if (_stopped)
            {
                Interlocked.Exchange(ref _waiter, null)?.TrySetCanceled();
                return;
            }

            // Only the wait slept for: a cancelled wait may have been replaced by a later one meanwhile, which must not
            // complete at the cancelled one's deadline. Its own release brings the thread back for it.
            if (Interlocked.CompareExchange(ref _waiter, null, waiter) == waiter)
            {
                waiter.TrySetResult();
            }
        }
    }

    /// <summary>A wait and its deadline (a <see cref="System.Diagnostics.Stopwatch"/> timestamp).</summary>
    private sealed class Waiter(long deadline) : TaskCompletionSource
    {
        public long Deadline { get; } = deadline;
    }
}
