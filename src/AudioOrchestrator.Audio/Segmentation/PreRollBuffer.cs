namespace AudioOrchestrator.Audio;

/// <summary>Fixed-capacity ring holding the most recent samples, used as utterance pre-roll.</summary>
internal sealed class PreRollBuffer(int capacity)
{
    private readonly short[] _ring = new short[capacity];
    private int _start;

    public int Count { get; private set; }

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

    public void Clear()
    {
        _start = 0;
        Count = 0;
    }
}
