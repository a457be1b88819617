namespace AudioOrchestrator.Audio;

/// <summary>
/// Puts one speaker's Opus packets back in RTP sequence order: a small reorder window, duplicates and late packets
/// dropped, a single lost packet recovered from the next packet's in-band FEC, longer gaps concealed up to a bound,
/// a jump of thousands of sequence numbers treated as a new stream. Memory is bounded by the window whatever
/// arrives. Sequence numbers wrap at 65536. Not thread-safe.
/// </summary>
public sealed class OpusJitterBuffer
{
    private readonly JitterBufferOptions _options;
    private readonly SortedList<long, ReadOnlyMemory<byte>> _pending = new();
    private bool _started;
    private long _next; // unwrapped sequence number of the next frame to play
    private long _received;
    private long _duplicates;
    private long _late;
    private long _lost;
    private long _recovered;
    private long _concealed;
    private long _resyncs;

    public OpusJitterBuffer(JitterBufferOptions? options = null)
    {
        _options = options ?? new JitterBufferOptions();
        var problems = _options.Validate();
        if (problems.Count > 0)
        {
            throw new ArgumentException(string.Join(" ", problems), nameof(options));
        }
    }

    /// <summary>Packets held back waiting for an earlier one (at most the reorder window).</summary>
    public int PendingCount => _pending.Count;

    public JitterStatistics Statistics => new(_received, _duplicates, _late, _lost, _recovered, _concealed, _resyncs);

    /// <summary>Accepts a packet; appends whatever can now be played, in order, to <paramref name="ready"/>.</summary>
    public void Push(ushort sequence, ReadOnlyMemory<byte> payload, ICollection<JitterInstruction> ready)
    {
        ArgumentNullException.ThrowIfNull(ready);
        _received++;
        if (!_started)
        {
            _started = true;
            _next = sequence;
        }

        var offset = (short)(sequence - (ushort)_next);
        if (offset > _options.ResyncThreshold || offset < -_options.MaxLatePackets)
        {
            // A new stream (or garbage): play what is held, then follow the new numbering.
            Drain(ready);
            _resyncs++;
            _next += (ushort)(sequence - (ushort)_next);
            offset = 0;
        }

        if (offset < 0)
        {
            _late++;
            return;
        }

        if (!_pending.TryAdd(_next + offset, payload))
        {
            _duplicates++;
            return;
        }

        Release(ready, force: false);
    }

    /// <summary>End of the stream: plays everything held, concealing the gaps between.</summary>
    public void Drain(ICollection<JitterInstruction> ready)
    {
        ArgumentNullException.ThrowIfNull(ready);
        Release(ready, force: true);
    }

    private void Release(ICollection<JitterInstruction> ready, bool force)
    {
        while (_pending.Count > 0)
        {
            var first = _pending.Keys[0];
            if (first == _next)
            {
                ready.Add(new JitterInstruction(JitterAction.Decode, (ushort)_next, _pending.Values[0]));
                _pending.RemoveAt(0);
                _next++;
                continue;
            }

            // The next frame is missing. Wait for it while the newest packet is still within the reorder window.
            if (!force && _pending.Keys[^1] - _next < _options.ReorderWindow)
            {
                return;
            }

            var missing = first - _next;
            _lost += missing;
            for (var i = 0; i < missing - 1; i++, _next++)
            {
                if (i < _options.MaxConcealedFrames)
                {
                    _concealed++;
                    ready.Add(new JitterInstruction(JitterAction.Conceal, (ushort)_next, ReadOnlyMemory<byte>.Empty));
                }
            }

            // The frame right before the held packet comes back from that packet's in-band FEC data.
            _recovered++;
            ready.Add(new JitterInstruction(JitterAction.RecoverWithFec, (ushort)_next, _pending.Values[0]));
            _next++;
        }
    }
}
