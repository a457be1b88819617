namespace AudioOrchestrator.Testing;

/// <summary>The one way tests wait for something that happens on another thread: poll a condition, fail with what was awaited.</summary>
public static class TestWait
{
    /// <summary>How long a test waits by default (generous: a busy CI machine is slow, and a passing test never waits it out).</summary>
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(20);

    /// <summary>Returns once <paramref name="condition"/> holds; throws <see cref="TimeoutException"/> naming <paramref name="what"/> otherwise.</summary>
    public static async Task UntilAsync(Func<bool> condition, string what, TimeSpan? timeout = null)
    {
        ArgumentNullException.ThrowIfNull(condition);
        var deadline = DateTime.UtcNow + (timeout ?? DefaultTimeout);
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Timed out waiting for {what}.");
            }

            await Task.Delay(5);
        }
    }

    /// <summary>Returns once the asynchronous <paramref name="condition"/> holds (asked every 100 ms); throws <see cref="TimeoutException"/> naming <paramref name="what"/> otherwise.</summary>
    public static async Task UntilAsync(Func<Task<bool>> condition, string what, TimeSpan? timeout = null)
    {
        ArgumentNullException.ThrowIfNull(condition);
        var deadline = DateTime.UtcNow + (timeout ?? DefaultTimeout);
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Timed out waiting for {what}.");
            }

            await Task.Delay(100);
        }
    }

    /// <summary>Waits for <paramref name="task"/>, failing with <paramref name="what"/> after the timeout.</summary>
    public static async Task<T> ForAsync<T>(Task<T> task, string what, TimeSpan? timeout = null)
    {
        ArgumentNullException.ThrowIfNull(task);
        try
        {
            return await task.WaitAsync(timeout ?? DefaultTimeout);
        }
        catch (TimeoutException ex)
        {
            throw new TimeoutException($"Timed out waiting for {what}.", ex);
        }
    }
}
