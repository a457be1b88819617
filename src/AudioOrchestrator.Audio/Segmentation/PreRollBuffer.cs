namespace AudioOrchestrator.Audio;

/// <summary>
/// Fixed-capacity ring holding the most recent samples (an utterance's or a wake spotting's pre-roll): writing copies
/// into the ring, so keeping the last moments of a stream allocates nothing per frame.
/// </summary>
/// <param name="capacity">The most samples kept.</param>
public sealed class PreRollBuffer(int capacity)
{
    private readonly short[] _ring = new short[capacity];
    private int _start;

    /// <summary>Samples held (at most the capacity).</summary>
    public int Count { get; private set; }

    /// <summary>Appends <paramref name="samples"/>; the oldest samples beyond the capacity are dropped.</summary>
    public void Write(ReadOnlySpan<short> samples)
    {
        if (_ring.Length == 0)
        {
            return;
        }

        if (samples.Length >= _ring.Length)
        {
            samples[^_ring.Length..].CopyTo(_ring);
            _start = 0;
            Count = _ring.Length;
            return;
        }

        var end = (_start + Count) % _ring.Length;
        var firstPart = Math.Min(samples.Length, _ring.Length - end);
        samples[..firstPart].CopyTo(_ring.AsSpan(end));
        samples[firstPart..].CopyTo(_ring);
        var overflow = Math.Max(0, Count + samples.Length - _ring.Length);
        _start = (_start + overflow) % _ring.Length;
        Count = Math.Min(_ring.Length, Count + samples.Length);
    }

    /// <summary>Copies the buffered samples, oldest first, into <paramref name="destination"/>.</summary>
    public void CopyTo(Span<short> destination)
    {
        var firstPart = Math.Min(Count, _ring.Length - _start);
        _ring.AsSpan(_start, firstPart).CopyTo(destination);
        _ring.AsSpan(0, Count - firstPart).CopyTo(destination[firstPart..]);
    }

    /// <summary>Forgets every sample held.</summary>
    public void Clear()
    {
        _start = 0;
        Count = 0;
    }
}
