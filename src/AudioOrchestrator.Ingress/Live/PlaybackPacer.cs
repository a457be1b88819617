namespace AudioOrchestrator.Ingress.Live;

/// <summary>
/// Paces audio to a client at real time with a small lead: a frame may leave once what was sent is less than
/// <c>lead</c> ahead of the clock. After a pause (nothing to send) the lead starts again from now, so a client's queue
/// never holds more than the lead and a barge-in on the server takes effect within it. Not thread-safe.
/// </summary>
public sealed class PlaybackPacer(TimeProvider time, TimeSpan lead)
{
    private readonly long _start = time.GetTimestamp();
    private TimeSpan _sentUntil;

    /// <summary>How far ahead of the clock the audio sent so far reaches (zero when it has all been played).</summary>
    public TimeSpan Ahead => _sentUntil - Now > TimeSpan.Zero ? _sentUntil - Now : TimeSpan.Zero;

    private TimeSpan Now => time.GetElapsedTime(_start);

    /// <summary>How long to wait before the next frame may leave (zero: now).</summary>
    public TimeSpan Delay()
    {
        var ahead = Ahead;
        return ahead > lead ? ahead - lead : TimeSpan.Zero;
    }

    /// <summary>A frame of <paramref name="duration"/> was sent.</summary>
    public void Sent(TimeSpan duration)
    {
        var now = Now;
        if (_sentUntil < now)
        {
            _sentUntil = now; // the client has played everything: start again from now
        }

        _sentUntil += duration;
    }
}
