namespace AudioOrchestrator.Dave.Frames;

/// <summary>
/// Encrypts our own Opus frames (the whole frame is encrypted: no unencrypted ranges). The 32-bit
/// truncated nonce is a per-epoch frame counter; its top byte is the key generation, which keeps
/// counting when the nonce wraps around. Not thread-safe: one sending thread.
/// </summary>
public sealed class DaveFrameEncryptor : IDisposable
{
    private SenderKeyRatchet? _ratchet;
    private ulong _counter;
    private uint _generation;

    /// <summary>When true frames are sent unchanged (protocol version 0 or during a downgrade).</summary>
    public bool Passthrough { get; set; }

    /// <summary>True once a sender key is installed.</summary>
    public bool HasKey => _ratchet is not null;

    /// <summary>Output bytes needed for a frame of <paramref name="frameLength"/> bytes.</summary>
    public static int MaxOutputSize(int frameLength) => frameLength + FrameCrypto.TagLength + 5 + 1 + 2;

    /// <summary>Installs the key ratchet of a new epoch (taking ownership) and restarts the nonce at 0.</summary>
    public void SetRatchet(SenderKeyRatchet? ratchet)
    {
        _ratchet?.Dispose();
        _ratchet = ratchet;
        _counter = 0;
        _generation = 0;
    }

    /// <summary>Moves the frame counter (tests: nonce wraparound).</summary>
    internal void SetCounter(ulong counter)
    {
        _counter = counter;
        _generation = (uint)(counter >> 24);
    }

    /// <summary>Encrypts one Opus frame into <paramref name="output"/> (which must not overlap it).</summary>
    public FrameEncryptResult Encrypt(ReadOnlySpan<byte> frame, Span<byte> output, out int written)
    {
        written = 0;
        if (Passthrough || OpusSilence.Is(frame))
        {
            if (!frame.TryCopyTo(output))
            {
                return FrameEncryptResult.OutputTooSmall;
            }

            written = frame.Length;
            return FrameEncryptResult.Passthrough;
        }

        if (frame.IsEmpty)
        {
            return FrameEncryptResult.EmptyFrame;
        }

        if (_ratchet is null)
        {
            return FrameEncryptResult.NoKey;
        }

        if (output.Length < MaxOutputSize(frame.Length))
        {
            return FrameEncryptResult.OutputTooSmall;
        }

        var generation = (uint)(_counter >> 24);
        var nonce = (uint)_counter;
        var aes = _ratchet.Get(generation, uint.MaxValue)!;
        if (generation != _generation)
        {
            _ratchet.Erase(_generation);
            _generation = generation;
        }

        _counter++;
        var position = frame.Length;
        FrameCrypto.Seal(aes, nonce, frame, default, output[..position], output.Slice(position, FrameCrypto.TagLength));
        position += FrameCrypto.TagLength;
        position += Uleb128.Write(output[position..], nonce);
        var supplemental = position - frame.Length + 3;
        output[position++] = (byte)supplemental;
        output[position++] = ProtocolFrame.Marker;
        output[position++] = ProtocolFrame.Marker;
        written = position;
        return FrameEncryptResult.Encrypted;
    }

    public void Dispose() => SetRatchet(null);
}
