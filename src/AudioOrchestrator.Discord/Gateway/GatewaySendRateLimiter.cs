namespace AudioOrchestrator.Discord.Gateway;

/// <summary>
/// The gateway send limit of one connection (120 events per 60 s). A token bucket whose tokens come back one by one,
/// each a full window after it was spent, so no 60 s window ever holds more than <c>limit</c> sends.
/// Ordinary sends (op 4 voice joins...) may use <c>limit - reserve</c> tokens; priority sends (heartbeat, identify,
/// resume) may use all of them, so a burst of commands cannot starve the heartbeat.
/// </summary>
public sealed class GatewaySendRateLimiter
{
    private readonly object _gate = new();
    private readonly Queue<long> _spent = new();
    private readonly int _limit;
    private readonly int _reserve;
    private readonly long _windowTicks;
    private readonly TimeProvider _time;

    /// <summary>Creates a limiter.</summary>
    public GatewaySendRateLimiter(int limit, TimeSpan window, int reserve, TimeProvider timeProvider)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(reserve);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(reserve, limit);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(window, TimeSpan.Zero);
        _limit = limit;
        _reserve = reserve;
        _time = timeProvider ?? throw new ArgumentNullException(nameof(timeProvider));
        _windowTicks = (long)(window.TotalSeconds * _time.TimestampFrequency);
    }

    /// <summary>Sends spent in the current window.</summary>
    public int SpentInWindow
    {
        get
        {
            lock (_gate)
            {
                Prune(_time.GetTimestamp());
                return _spent.Count;
            }
        }
    }

    /// <summary>Takes a token now if one is free.</summary>
    public bool TryAcquire(bool priority = false) => TryAcquire(priority, out _);

    /// <summary>Waits for a token.</summary>
    public async ValueTask AcquireAsync(bool priority, CancellationToken cancellationToken)
    {
        while (!TryAcquire(priority, out var wait))
        {
            await Task.Delay(wait, _time, cancellationToken).ConfigureAwait(false);
        }
    }

    private bool TryAcquire(bool priority, out TimeSpan wait)
    {
        lock (_gate)
        {
            var now = _time.GetTimestamp();
            Prune(now);
            var allowed = priority ? _limit : _limit - _reserve;
            if (_spent.Count < allowed)
            {
                _spent.Enqueue(now);
                wait = TimeSpan.Zero;
                return true;
            }

            // The (count - allowed + 1)th oldest token must come back first.
            var index = _spent.Count - allowed;
            var expiry = _spent.ElementAt(index) + _windowTicks;
            wait = TimeSpan.FromSeconds(Math.Max(1, expiry - now) / (double)_time.TimestampFrequency);
            if (wait < TimeSpan.FromMilliseconds(1))
            {
                wait = TimeSpan.FromMilliseconds(1);
            }

            return false;
        }
    }

    private void Prune(long now)
    {
        while (_spent.Count > 0 && now - _spent.Peek() >= _windowTicks)
        {
            _spent.Dequeue();
        }
    }
}

/// <summary>
/// Identify concurrency across the shards of one process: shards share the bucket <c>shard_id % max_concurrency</c>,
/// and each bucket allows one Identify per window (Discord: 5 s).
/// </summary>
public sealed class IdentifyRateLimiter : IDisposable
{
    private readonly Bucket[] _buckets;
    private readonly long _windowTicks;
    private readonly TimeProvider _time;

    /// <summary>Creates a limiter.</summary>
    public IdentifyRateLimiter(int maxConcurrency, TimeSpan window, TimeProvider timeProvider)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxConcurrency, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(window, TimeSpan.Zero);
        _time = timeProvider ?? throw new ArgumentNullException(nameof(timeProvider));
        _windowTicks = (long)(window.TotalSeconds * _time.TimestampFrequency);
        _buckets = Enumerable.Range(0, maxConcurrency).Select(_ => new Bucket()).ToArray();
    }

    /// <summary>The <c>max_concurrency</c> in force.</summary>
    public int MaxConcurrency => _buckets.Length;

    /// <summary>
    /// Waits until the shard's bucket allows an Identify and takes the bucket. The bucket stays taken until the lease is
    /// disposed, and its window starts when <see cref="IdentifyLease.Sent"/> says the Identify left (what Discord
    /// counts), not when the bucket was granted: a shard whose connection was slow to reach Hello does not shorten the
    /// next shard's wait. A lease disposed without <see cref="IdentifyLease.Sent"/> leaves the window as it was.
    /// </summary>
    public async Task<IdentifyLease> AcquireAsync(int shardId, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(shardId);
        var bucket = _buckets[shardId % _buckets.Length];
        await bucket.Lock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            while (true)
            {
                var now = _time.GetTimestamp();
                if (bucket.NextAllowed is not { } next || now >= next)
                {
                    return new IdentifyLease(bucket, _time, _windowTicks);
                }

                await Task.Delay(TimeSpan.FromSeconds((next - now) / (double)_time.TimestampFrequency), _time, cancellationToken).ConfigureAwait(false);
            }
        }
        catch
        {
            bucket.Lock.Release();
            throw;
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var bucket in _buckets)
        {
            bucket.Lock.Dispose();
        }
    }

    internal sealed class Bucket
    {
        public SemaphoreSlim Lock { get; } = new(1, 1);

        public long? NextAllowed { get; set; }
    }
}

/// <summary>A shard's turn to Identify in its bucket (see <see cref="IdentifyRateLimiter.AcquireAsync"/>).</summary>
public sealed class IdentifyLease : IDisposable
{
    private readonly IdentifyRateLimiter.Bucket _bucket;
    private readonly TimeProvider _time;
    private readonly long _windowTicks;
    private int _released;

    internal IdentifyLease(IdentifyRateLimiter.Bucket bucket, TimeProvider time, long windowTicks)
    {
        _bucket = bucket;
        _time = time;
        _windowTicks = windowTicks;
    }

    /// <summary>The Identify was sent now: the bucket's next one waits a window from here.</summary>
    public void Sent() => _bucket.NextAllowed = _time.GetTimestamp() + _windowTicks;

    /// <summary>Gives the bucket to the next shard.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _released, 1) == 0)
        {
            _bucket.Lock.Release();
        }
    }
}

/// <summary>Lets one log line per interval through and counts the rest.</summary>
internal sealed class LogThrottle(TimeSpan interval, TimeProvider time)
{
    private readonly object _gate = new();
    private long? _last;
    private long _suppressed;

    /// <summary>True if a line may be written now; <paramref name="suppressed"/> is the number held back since the last one.</summary>
    public bool ShouldLog(out long suppressed)
    {
        lock (_gate)
        {
            var now = time.GetTimestamp();
            if (_last is { } last && time.GetElapsedTime(last, now) < interval)
            {
                _suppressed++;
                suppressed = 0;
                return false;
            }

            _last = now;
            suppressed = _suppressed;
            _suppressed = 0;
            return true;
        }
    }
}
