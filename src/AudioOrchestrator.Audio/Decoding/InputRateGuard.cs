namespace AudioOrchestrator.Audio;

/// <summary>
/// Keeps a live speaker from sending audio faster than real time: a token bucket of audio milliseconds that refills at
/// <see cref="UtteranceDecoderOptions.MaxRealTimeFactor"/> times the wall clock and holds at most
/// <see cref="UtteranceDecoderOptions.MaxBurstMs"/>. Of a batch that does not fit, the oldest packets are dropped and
/// the newest kept. Memory is constant whatever arrives. Not thread-safe.
/// </summary>
public sealed class InputRateGuard
{
    private readonly double _capacityMs;
    private readonly double _factor;
    private double _creditMs;
    private DateTimeOffset? _last;

    public InputRateGuard(UtteranceDecoderOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.ThrowIfInvalid();
        _capacityMs = options.MaxBurstMs;
        _factor = options.MaxRealTimeFactor;
        _creditMs = _capacityMs;
    }

    /// <summary>Packets dropped so far.</summary>
    public long Dropped { get; private set; }

    /// <summary>
    /// Admits a batch of <paramref name="packets"/> 20 ms packets arriving at <paramref name="now"/>; returns how many
    /// of the oldest must be dropped (0 when all fit).
    /// </summary>
    public int Admit(int packets, DateTimeOffset now)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(packets);
        if (_last is { } last && now > last)
        {
            _creditMs = Math.Min(_capacityMs, _creditMs + ((now - last).TotalMilliseconds * _factor));
        }

        if (_last is null || now > _last)
        {
            _last = now;
        }

        var fits = (int)Math.Min(packets, Math.Floor(_creditMs / AudioFormat.FrameMilliseconds));
        _creditMs -= fits * AudioFormat.FrameMilliseconds;
        var dropped = packets - fits;
        Dropped += dropped;
        return dropped;
    }
}
