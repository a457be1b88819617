using System.Threading.Channels;
using Microsoft.Extensions.Time.Testing;

namespace AudioOrchestrator.Discord.Tests.Support;

/// <summary>
/// A <see cref="FakeTimeProvider"/> that reports each wait the code under test starts on it (each timer, e.g. of a
/// <c>Task.Delay</c>), so a test advances the clock exactly when that code is blocked on it: never before the wait
/// exists (which would leave it pending forever), and never while the code is between two waits.
/// </summary>
internal sealed class SteppedTimeProvider : FakeTimeProvider
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);
    private readonly Channel<TimeSpan> _timers = Channel.CreateUnbounded<TimeSpan>();

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        var timer = base.CreateTimer(callback, state, dueTime, period);
        _timers.Writer.TryWrite(dueTime);
        return timer;
    }

    /// <summary>The due time of the next timer created (waiting for it if needed).</summary>
    public async Task<TimeSpan> NextTimerAsync()
    {
        using var timeout = new CancellationTokenSource(Timeout);
        return await _timers.Reader.ReadAsync(timeout.Token);
    }

    /// <summary>Advances past the next timer created (waiting for it if needed); returns its due time.</summary>
    public async Task<TimeSpan> AdvancePastNextTimerAsync()
    {
        var due = await NextTimerAsync();
        Advance(due);
        return due;
    }

    /// <summary>
    /// Lets <paramref name="work"/> run to its end on this clock: each time it waits on a timer, the clock advances to
    /// that timer's due time. Returns the waits in order.
    /// </summary>
    public async Task<IReadOnlyList<TimeSpan>> RunAsync(Task work)
    {
        var waits = new List<TimeSpan>();
        while (true)
        {
            var timerCreated = _timers.Reader.WaitToReadAsync().AsTask();
            if (await Task.WhenAny(timerCreated, work).WaitAsync(Timeout) == work)
            {
                await work;
                return waits;
            }

            if (_timers.Reader.TryRead(out var due))
            {
                waits.Add(due);
                Advance(due);
            }
        }
    }
}
