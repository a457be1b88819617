using System.Diagnostics;

namespace AudioOrchestrator.Load;

/// <summary>
/// One clock for every speaker: a dedicated thread ticks every 20 ms on an absolute schedule (a late tick is caught up,
/// not skipped, up to 100 ms) and lets each speaker queue its frame. Counts ticks that came more than one frame late.
/// </summary>
internal sealed class Pacer : IDisposable
{
    private static readonly long FrameTicks = Stopwatch.Frequency / 50;
    private readonly Lock _gate = new();
    private readonly List<SimulatedSpeaker> _speakers = [];
    private readonly Thread _thread;
    private volatile bool _stopped;
    private long _lateTicks;

    public Pacer()
    {
        _thread = new Thread(Run) { IsBackground = true, Name = "load pacer", Priority = ThreadPriority.AboveNormal };
        _thread.Start();
    }

    public long LateTicks => Interlocked.Read(ref _lateTicks);

    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _speakers.Count;
            }
        }
    }

    public void Add(SimulatedSpeaker speaker)
    {
        lock (_gate)
        {
            _speakers.Add(speaker);
        }
    }

    public IReadOnlyList<SimulatedSpeaker> RemoveAll()
    {
        lock (_gate)
        {
            var all = _speakers.ToArray();
            _speakers.Clear();
            return all;
        }
    }

    public void Dispose()
    {
        _stopped = true;
        _thread.Join();
    }

    private void Run()
    {
        var next = Stopwatch.GetTimestamp() + FrameTicks;
        while (!_stopped)
        {
            var wait = next - Stopwatch.GetTimestamp();
            if (wait > 0)
            {
                Thread.Sleep(TimeSpan.FromTicks(wait * TimeSpan.TicksPerSecond / Stopwatch.Frequency));
                continue;
            }

            var late = TimeSpan.FromTicks(-wait * TimeSpan.TicksPerSecond / Stopwatch.Frequency);
            if (-wait > FrameTicks)
            {
                Interlocked.Increment(ref _lateTicks);
            }

            // Starved for more than 100 ms (a saturated machine): the speakers' time shifts instead of a burst of
            // catch-up frames, which the service's rate guard would rightly drop; LateTicks says it happened.
            if (-wait > 5 * FrameTicks)
            {
                next = Stopwatch.GetTimestamp();
            }

            SimulatedSpeaker[] speakers;
            lock (_gate)
            {
                speakers = [.. _speakers];
            }

            foreach (var speaker in speakers)
            {
                speaker.Tick(late);
            }

            next += FrameTicks;
        }
    }
}
