namespace AudioOrchestrator.Discord.Voice;

/// <summary>Lock-free histogram of send-pacing lateness: 0.1 ms buckets up to 100 ms, the rest in the last bucket.</summary>
internal sealed class SendLatenessHistogram
{
    private const double BucketMs = 0.1;
    private readonly long[] _buckets = new long[1001];
    private long _maxTicks;

    public void Record(TimeSpan lateness)
    {
        var ticks = Math.Max(0, lateness.Ticks);
        var bucket = (int)Math.Min(_buckets.Length - 1, ticks / (TimeSpan.TicksPerMillisecond * BucketMs));
        Interlocked.Increment(ref _buckets[bucket]);
        long seen;
        while (ticks > (seen = Interlocked.Read(ref _maxTicks)) && Interlocked.CompareExchange(ref _maxTicks, ticks, seen) != seen)
        {
        }
    }

    public TimeSpan Max => TimeSpan.FromTicks(Interlocked.Read(ref _maxTicks));

    /// <summary>The upper edge of the bucket holding the given percentile; zero when nothing was recorded.</summary>
    public TimeSpan Percentile(double percentile)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(percentile, 0);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(percentile, 100);
        var counts = new long[_buckets.Length];
        long total = 0;
        for (var i = 0; i < counts.Length; i++)
        {
            counts[i] = Interlocked.Read(ref _buckets[i]);
            total += counts[i];
        }

        if (total == 0)
        {
            return TimeSpan.Zero;
        }

        var rank = (long)Math.Ceiling(percentile / 100 * total);
        long cumulative = 0;
        for (var i = 0; i < counts.Length; i++)
        {
            cumulative += counts[i];
            if (cumulative >= Math.Max(1, rank))
            {
                return TimeSpan.FromMilliseconds((i + 1) * BucketMs);
            }
        }

        return Max;
    }
}
