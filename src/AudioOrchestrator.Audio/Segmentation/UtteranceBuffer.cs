using System.Buffers;

namespace AudioOrchestrator.Audio;

/// <summary>Growable sample buffer for the open utterance, rented from <see cref="ArrayPool{T}"/> and returned on close.</summary>
internal sealed class UtteranceBuffer(int initialCapacity)
{
    private short[] _samples = [];

    public int Count { get; private set; }

    public void Open(PreRollBuffer preRoll)
    {
        _samples = ArrayPool<short>.Shared.Rent(Math.Max(initialCapacity, preRoll.Count));
        preRoll.CopyTo(_samples);
        Count = preRoll.Count;
    }

    public void Append(ReadOnlySpan<short> samples)
    {
        if (Count + samples.Length > _samples.Length)
        {
            var larger = ArrayPool<short>.Shared.Rent(Math.Max(_samples.Length * 2, Count + samples.Length));
            _samples.AsSpan(0, Count).CopyTo(larger);
            ArrayPool<short>.Shared.Return(_samples);
            _samples = larger;
        }

        samples.CopyTo(_samples.AsSpan(Count));
        Count += samples.Length;
    }

    public short[] ToArray() => _samples.AsSpan(0, Count).ToArray();

    public void Close()
    {
        if (_samples.Length > 0)
        {
            ArrayPool<short>.Shared.Return(_samples);
        }

        _samples = [];
        Count = 0;
    }
}
