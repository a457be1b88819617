namespace AudioOrchestrator.Dave.Frames;

/// <summary>One epoch's key ratchet of one sender, with its replay window and generation tracking.</summary>
internal sealed class KeyRing : IDisposable
{
    /// <summary>How many generations a frame may jump ahead of the newest one seen.</summary>
    public const uint MaxGenerationGap = 250;

    /// <summary>How many frames behind the newest nonce an out-of-order frame may arrive.</summary>
    public const int ReplayWindow = 1024;

    private readonly SenderKeyRatchet _ratchet;
    private readonly long _retentionTicks;
    private readonly ulong[] _seen = new ulong[ReplayWindow / 64];
    private ulong _highestNonce;
    private bool _any;
    private ulong _generation;
    private long _nextSweep;

    public KeyRing(SenderKeyRatchet ratchet, long retentionTicks)
    {
        _ratchet = ratchet;
        _retentionTicks = retentionTicks;
    }

    public long ExpiresAt { get; private set; } = long.MaxValue;

    public void ExpireAt(long expiry) => ExpiresAt = Math.Min(ExpiresAt, expiry);

    public FrameDecryptResult TryDecrypt(in ProtocolFrame frame, Span<byte> output, Span<byte> scratch, long now)
    {
        var generation = Unwrap(frame.Nonce >> 24, _generation);
        var fullNonce = (generation << 24) | (frame.Nonce & 0xFF_FFFF);
        if (_any && fullNonce <= _highestNonce)
        {
            if (_highestNonce - fullNonce >= ReplayWindow)
            {
                return FrameDecryptResult.TooOld;
            }

            if (IsSeen(fullNonce))
            {
                return FrameDecryptResult.Replayed;
            }
        }

        if (generation > uint.MaxValue || generation > _generation + MaxGenerationGap)
        {
            return FrameDecryptResult.KeyUnavailable;
        }

        var aes = _ratchet.Get((uint)generation, MaxGenerationGap);
        if (aes is null)
        {
            return FrameDecryptResult.KeyUnavailable;
        }

        var ok = frame.Ranges.IsEmpty
            ? FrameCrypto.Open(aes, frame.Nonce, frame.Interleaved, default, frame.Tag, output, scratch)
            : OpenWithRanges(aes, frame, output, scratch);
        if (!ok)
        {
            return FrameDecryptResult.AuthenticationFailed;
        }

        MarkSeen(fullNonce);
        if (generation > _generation)
        {
            _ratchet.ExpireBelow((uint)generation, now + _retentionTicks);
            _generation = generation;
        }

        if (now >= _nextSweep)
        {
            _ratchet.Sweep(now);
            _nextSweep = now + TimeSpan.TicksPerSecond;
        }

        return FrameDecryptResult.Decrypted;
    }

    public void Dispose() => _ratchet.Dispose();

    /// <summary>The full generation whose low byte is <paramref name="low"/> closest to <paramref name="reference"/>.</summary>
    internal static ulong Unwrap(uint low, ulong reference)
    {
        var candidate = (reference & ~0xFFUL) | low;
        if (candidate + 128 < reference)
        {
            candidate += 256;
        }
        else if (candidate > reference + 128 && candidate >= 256)
        {
            candidate -= 256;
        }

        return candidate;
    }

    private static bool OpenWithRanges(System.Security.Cryptography.AesGcm aes, in ProtocolFrame frame, Span<byte> output, Span<byte> scratch)
    {
        var length = frame.Interleaved.Length;
        var aad = scratch[..length];
        var ciphertext = scratch.Slice(length, length);
        var plaintext = scratch.Slice(2 * length, length);
        var work = scratch.Slice(3 * length, length);
        int aadLength = 0, cipherLength = 0, position = 0;
        var ranges = frame.Ranges;
        while (!ranges.IsEmpty)
        {
            ProtocolFrame.ReadRange(ref ranges, out var offset, out var size);
            frame.Interleaved[position..offset].CopyTo(ciphertext[cipherLength..]);
            cipherLength += offset - position;
            frame.Interleaved.Slice(offset, size).CopyTo(aad[aadLength..]);
            aadLength += size;
            position = offset + size;
        }

        frame.Interleaved[position..].CopyTo(ciphertext[cipherLength..]);
        cipherLength += length - position;
        if (!FrameCrypto.Open(aes, frame.Nonce, ciphertext[..cipherLength], aad[..aadLength], frame.Tag, plaintext, work))
        {
            return false;
        }

        // Rebuild the frame: unencrypted ranges in place, decrypted bytes in the gaps.
        frame.Interleaved.CopyTo(output);
        var taken = 0;
        position = 0;
        ranges = frame.Ranges;
        while (!ranges.IsEmpty)
        {
            ProtocolFrame.ReadRange(ref ranges, out var offset, out var size);
            plaintext.Slice(taken, offset - position).CopyTo(output[position..]);
            taken += offset - position;
            position = offset + size;
        }

        plaintext.Slice(taken, length - position).CopyTo(output[position..]);
        return true;
    }

    private bool IsSeen(ulong nonce) => (_seen[(int)(nonce % ReplayWindow) / 64] & (1UL << (int)(nonce % 64))) != 0;

    private void MarkSeen(ulong nonce)
    {
        if (!_any || nonce > _highestNonce)
        {
            var start = _any ? _highestNonce + 1 : nonce;
            if (nonce - start >= ReplayWindow)
            {
                Array.Clear(_seen);
            }
            else
            {
                for (var n = start; n <= nonce; n++)
                {
                    _seen[(int)(n % ReplayWindow) / 64] &= ~(1UL << (int)(n % 64));
                }
            }

            _highestNonce = nonce;
            _any = true;
        }

        _seen[(int)(nonce % ReplayWindow) / 64] |= 1UL << (int)(nonce % 64);
    }
}
