using System.Collections.Concurrent;
using System.Diagnostics.Tracing;
using System.Globalization;

namespace AudioOrchestrator.Load;

/// <summary>One stop of the process' threads by the garbage collector.</summary>
internal sealed record GcPause(DateTime At, double Ms, int Generation)
{
    /// <summary>Whether the pause overlaps [<paramref name="from"/>, <paramref name="to"/>] (UTC).</summary>
    public bool Overlaps(DateTime from, DateTime to) => At <= to && At.AddMilliseconds(Ms) >= from;

    public string Format(string who) => string.Create(CultureInfo.InvariantCulture, $"{who} gc pause {Ms:0.0} ms (gen {Generation}) at {At:HH:mm:ss.fff}");
}

/// <summary>
/// The process' garbage-collection pauses of at least <see cref="MinMs"/> (the runtime's own GC events: threads
/// suspended to threads restarted), to tell a turn slowed by a pause in the service or in the harness from one slowed
/// by the pipeline. Kept for the last few minutes.
/// </summary>
internal sealed class GcPauseWatch : EventListener
{
    public const double MinMs = 3;
    private const long GcKeyword = 0x1;
    private const int RestartEeEnd = 3;
    private const int SuspendEeBegin = 9;
    private const int GcStart = 1;
    private readonly ConcurrentQueue<GcPause> _pauses = new();
    private readonly Action<GcPause>? _onPause;
    private DateTime _suspendedAt;
    private int _generation;

    public GcPauseWatch(Action<GcPause>? onPause = null) => _onPause = onPause;

    /// <summary>Pauses that overlap [<paramref name="from"/>, <paramref name="to"/>] (UTC).</summary>
    public IEnumerable<GcPause> Between(DateTime from, DateTime to) =>
        _pauses.Where(p => p.Overlaps(from, to));

    protected override void OnEventSourceCreated(EventSource eventSource)
    {
        ArgumentNullException.ThrowIfNull(eventSource);
        if (eventSource.Name == "Microsoft-Windows-DotNETRuntime")
        {
            EnableEvents(eventSource, EventLevel.Informational, (EventKeywords)GcKeyword);
        }
    }

    protected override void OnEventWritten(EventWrittenEventArgs eventData)
    {
        ArgumentNullException.ThrowIfNull(eventData);
        switch (eventData.EventId)
        {
            case SuspendEeBegin:
                _suspendedAt = eventData.TimeStamp.ToUniversalTime();
                break;
            case GcStart when eventData.Payload is { Count: > 1 } payload && payload[1] is uint depth:
                _generation = (int)depth;
                break;
            case RestartEeEnd when _suspendedAt != default:
                var ms = (eventData.TimeStamp.ToUniversalTime() - _suspendedAt).TotalMilliseconds;
                if (ms >= MinMs)
                {
                    var pause = new GcPause(_suspendedAt, ms, _generation);
                    _pauses.Enqueue(pause);
                    while (_pauses.Count > 2000)
                    {
                        _pauses.TryDequeue(out _);
                    }

                    _onPause?.Invoke(pause);
                }

                _suspendedAt = default;
                break;
            default:
                break;
        }
    }
}
