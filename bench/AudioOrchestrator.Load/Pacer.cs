using System.Diagnostics;

namespace AudioOrchestrator.Load;

/// <summary>
/// One clock for every speaker: a dedicated thread ticks on an absolute schedule (a late tick is caught up, not
/// skipped, up to 100 ms) and lets each speaker queue its frame every 20 ms. Speakers are spread over
/// <see cref="Phases"/> phases of the 20 ms period, as real clients' frames arrive at their own offsets, so that the
/// ends of many speakers' utterances are not decided at the same instant. Counts ticks that came more than one frame
/// late.
/// </summary>
internal sealed class Pacer : IDisposable
{
    /// <summary>Offsets within a frame period that speakers are spread over (5 ms apart).</summary>
    public const int Phases = 4;

    private static readonly long FrameTicks = Stopwatch.Frequency / 50;
    private static readonly long PhaseTicks = FrameTicks / Phases;
    private readonly Lock _gate = new();
    private readonly List<SimulatedSpeaker>[] _speakers = [.. Enumerable.Range(0, Phases).Select(_ => new List<SimulatedSpeaker>())];
    private readonly Thread _thread;
    private volatile bool _stopped;
    private long _lateTicks;
    private int _added;

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
                return _speakers.Sum(phase => phase.Count);
            }
        }
    }

    public void Add(SimulatedSpeaker speaker)
    {
        lock (_gate)
        {
            _speakers[_added++ % Phases].Add(speaker);
        }
    }

    public IReadOnlyList<SimulatedSpeaker> RemoveAll()
    {
        lock (_gate)
        {
            var all = _speakers.SelectMany(phase => phase).ToArray();
            foreach (var phase in _speakers)
            {
                phase.Clear();
            }

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
        var next = Stopwatch.GetTimestamp() + PhaseTicks;
        var phase = 0;
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
                speakers = [.. _speakers[phase]];
            }

            foreach (var speaker in speakers)
            {
                speaker.Tick(late);
            }

            phase = (phase + 1) % Phases;
            next += PhaseTicks;
        }
    }
}
