namespace AudioOrchestrator.Testing;

/// <summary>
/// The one way tests wait for something that happens on another thread: poll a condition (or find a value), and fail
/// with what was awaited. Waiting for a timeout to pass is not done here: tests advance a <c>FakeTimeProvider</c>.
/// </summary>
public static class TestWait
{
    /// <summary>How long a test waits by default (generous: a busy CI machine is slow, and a passing test never waits it out).</summary>
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(20);

    /// <summary>Returns once <paramref name="condition"/> holds; throws <see cref="TimeoutException"/> naming <paramref name="what"/> otherwise.</summary>
    public static Task UntilAsync(Func<bool> condition, string what, TimeSpan? timeout = null) =>
        UntilAsync(condition, () => what, timeout);

    /// <summary>As <see cref="UntilAsync(Func{bool}, string, TimeSpan?)"/>, describing what was awaited only on a timeout (e.g. with what was seen instead).</summary>
    public static async Task UntilAsync(Func<bool> condition, Func<string> what, TimeSpan? timeout = null)
    {
        ArgumentNullException.ThrowIfNull(condition);
        ArgumentNullException.ThrowIfNull(what);
        var deadline = DateTime.UtcNow + (timeout ?? DefaultTimeout);
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Timed out after {(timeout ?? DefaultTimeout).TotalSeconds:0.#} s waiting for {what()}.");
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
                throw new TimeoutException($"Timed out after {(timeout ?? DefaultTimeout).TotalSeconds:0.#} s waiting for {what}.");
            }

            await Task.Delay(100);
        }
    }

    /// <summary>Returns the first non-null value <paramref name="find"/> gives; throws <see cref="TimeoutException"/> naming <paramref name="what"/> otherwise.</summary>
    public static async Task<T> ForAsync<T>(Func<T?> find, Func<string> what, TimeSpan? timeout = null)
        where T : class
    {
        ArgumentNullException.ThrowIfNull(find);
        T? found = null;
        await UntilAsync(() => (found = find()) is not null, what, timeout);
        return found!;
    }

    /// <summary>Reads <paramref name="read"/> (every 100 ms) until <paramref name="done"/> holds for its value, and returns that value.</summary>
    public static async Task<T> ForAsync<T>(Func<Task<T>> read, Func<T, bool> done, string what, TimeSpan? timeout = null)
    {
        ArgumentNullException.ThrowIfNull(read);
        ArgumentNullException.ThrowIfNull(done);
        var value = await read();
        await UntilAsync(async () => done(value = await read()), what, timeout);
        return value;
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
