namespace AudioOrchestrator.Dave.Frames;

/// <summary>
/// Decrypts the frames of one remote sender. It holds one key ring per epoch (newest first): after a
/// transition the previous epochs' keys stay usable for <see cref="Retention"/>, as do older
/// generations within an epoch once a newer one is seen. Each ring rejects replayed nonces and
/// nonces older than <see cref="KeyRing.ReplayWindow"/> frames, and generations more than
/// <see cref="KeyRing.MaxGenerationGap"/> ahead. Codec-unaware: honours unencrypted ranges. The
/// steady-state path allocates nothing. Not thread-safe: one receiving thread per sender.
/// </summary>
public sealed class DaveFrameDecryptor : IDisposable
{
    /// <summary>How long old epochs, old generations and passthrough stay usable after a transition.</summary>
    public static readonly TimeSpan DefaultRetention = TimeSpan.FromSeconds(10);

    private readonly TimeProvider _clock;
    private readonly List<KeyRing> _rings = [];
    private byte[] _scratch = new byte[2048];
    private bool _passthrough;
    private long _passthroughUntil = long.MinValue;

    public DaveFrameDecryptor(TimeProvider clock, TimeSpan? retention = null)
    {
        ArgumentNullException.ThrowIfNull(clock);
        _clock = clock;
        Retention = retention ?? DefaultRetention;
    }

    public TimeSpan Retention { get; }

    /// <summary>Number of epochs whose keys are still usable.</summary>
    public int EpochCount => _rings.Count;

    /// <summary>Adds the key ratchet of a new epoch (taking ownership); older epochs expire after <see cref="Retention"/>.</summary>
    public void AddRatchet(SenderKeyRatchet ratchet)
    {
        ArgumentNullException.ThrowIfNull(ratchet);
        var expiry = Now() + Retention.Ticks;
        foreach (var ring in _rings)
        {
            ring.ExpireAt(expiry);
        }

        _rings.Insert(0, new KeyRing(ratchet, Retention.Ticks));
    }

    /// <summary>Lets every epoch's keys expire after <see cref="Retention"/> (sender left, or downgrade).</summary>
    public void ExpireAll()
    {
        var expiry = Now() + Retention.Ticks;
        foreach (var ring in _rings)
        {
            ring.ExpireAt(expiry);
        }
    }

    /// <summary>
    /// Enables passthrough of non-protocol frames, or disables it after <see cref="Retention"/>
    /// (frames in flight from before an upgrade still pass).
    /// </summary>
    public void SetPassthrough(bool enabled)
    {
        if (enabled)
        {
            _passthrough = true;
        }
        else if (_passthrough)
        {
            _passthrough = false;
            _passthroughUntil = Now() + Retention.Ticks;
        }
    }

    /// <summary>True when a non-protocol frame would be passed through now.</summary>
    public bool CanPassthrough => _passthrough || Now() < _passthroughUntil;

    /// <summary>Decrypts <paramref name="frame"/> into <paramref name="output"/> (which must not overlap it).</summary>
    public FrameDecryptResult Decrypt(ReadOnlySpan<byte> frame, Span<byte> output, out int written)
    {
        written = 0;
        var now = Now();
        ExpireRings(now);
        if (OpusSilence.Is(frame) || !ProtocolFrame.TryParse(frame, out var parsed))
        {
            var allowed = OpusSilence.Is(frame) || _passthrough || now < _passthroughUntil;
            if (!allowed)
            {
                return FrameDecryptResult.NotProtocolFrame;
            }

            if (!frame.TryCopyTo(output))
            {
                return FrameDecryptResult.OutputTooSmall;
            }

            written = frame.Length;
            return FrameDecryptResult.Passthrough;
        }

        if (output.Length < parsed.Interleaved.Length)
        {
            return FrameDecryptResult.OutputTooSmall;
        }

        if (_rings.Count == 0)
        {
            return FrameDecryptResult.NoKey;
        }

        var scratch = Scratch(parsed.Interleaved.Length * (parsed.Ranges.IsEmpty ? 1 : 4));
        var result = FrameDecryptResult.NoKey;
        for (var i = 0; i < _rings.Count; i++)
        {
            var attempt = _rings[i].TryDecrypt(parsed, output, scratch, now);
            if (attempt == FrameDecryptResult.Decrypted)
            {
                written = parsed.Interleaved.Length;
                return attempt;
            }

            if (i == 0 || attempt is FrameDecryptResult.Replayed or FrameDecryptResult.TooOld)
            {
                result = attempt;
            }
        }

        return result;
    }

    public void Dispose()
    {
        foreach (var ring in _rings)
        {
            ring.Dispose();
        }

        _rings.Clear();
    }

    private long Now() => _clock.GetUtcNow().UtcTicks;

    private void ExpireRings(long now)
    {
        for (var i = _rings.Count - 1; i >= 0; i--)
        {
            if (_rings[i].ExpiresAt <= now)
            {
                _rings[i].Dispose();
                _rings.RemoveAt(i);
            }
        }
    }

    private Span<byte> Scratch(int length)
    {
        if (_scratch.Length < length)
        {
            _scratch = new byte[Math.Max(length, _scratch.Length * 2)];
        }

        return _scratch;
    }
}
