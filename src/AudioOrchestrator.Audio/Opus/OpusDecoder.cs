using AudioOrchestrator.Audio.Interop;

namespace AudioOrchestrator.Audio;

/// <summary>Decodes Opus packets to interleaved 16-bit PCM (libopus). Any Opus stream can be decoded to 1 or 2 channels.</summary>
public sealed class OpusDecoder : IDisposable
{
    private readonly OpusDecoderHandle _handle;

    public OpusDecoder(int sampleRate, int channels)
    {
        OpusRules.ThrowIfUnsupported(sampleRate, channels);
        _handle = OpusNative.DecoderCreate(sampleRate, channels, out var error);
        if (error != OpusNative.Ok || _handle.IsInvalid)
        {
            _handle.Dispose();
            throw new OpusException("opus_decoder_create", error);
        }

        SampleRate = sampleRate;
        Channels = channels;
    }

    public int Channels { get; }

    public int SampleRate { get; }

    /// <summary>Samples per channel of the longest possible packet (120 ms); size <c>pcm</c> as this times <see cref="Channels"/> to accept anything.</summary>
    public int MaxFrameSamples => OpusRules.MaxFrameSamples(SampleRate);

    /// <summary>
    /// Decodes one packet; returns samples per channel written. A corrupt (or empty) packet throws <see cref="OpusException"/>
    /// and leaves the decoder usable. <paramref name="pcm"/> should hold <see cref="MaxFrameSamples"/> x <see cref="Channels"/>.
    /// </summary>
    public int Decode(ReadOnlySpan<byte> packet, Span<short> pcm)
    {
        if (packet.IsEmpty)
        {
            // libopus would silently conceal a zero-length packet; report it like any other corrupt packet instead.
            throw new OpusException("opus_decode (empty packet; use Conceal for a lost packet)", OpusException.InvalidPacket);
        }

        return DecodeCore(packet, pcm, Math.Min(pcm.Length / Channels, MaxFrameSamples), fec: false, "opus_decode");
    }

    /// <summary>
    /// Like <see cref="Decode"/> but reports a corrupt or empty packet by returning the negative libopus error code
    /// instead of throwing, so a burst of garbage costs no exceptions (nor allocations).
    /// </summary>
    public int TryDecode(ReadOnlySpan<byte> packet, Span<short> pcm)
    {
        if (packet.IsEmpty)
        {
            return OpusException.InvalidPacket;
        }

        var frameSamples = Math.Min(pcm.Length / Channels, MaxFrameSamples);
        return frameSamples <= 0 ? OpusException.BufferTooSmall : DecodeRaw(packet, pcm, frameSamples, fec: false);
    }

    /// <summary>
    /// Recovers the lost frame preceding <paramref name="nextPacket"/> from its in-band FEC data (falls back to concealment
    /// when the packet carries none). <paramref name="frameSamples"/> is the lost frame's length per channel.
    /// </summary>
    public int DecodeFec(ReadOnlySpan<byte> nextPacket, Span<short> pcm, int frameSamples)
    {
        if (nextPacket.IsEmpty)
        {
            throw new ArgumentException("The packet is empty; use Conceal when no later packet is available.", nameof(nextPacket));
        }

        OpusRules.ThrowIfInvalidFrameSamples(frameSamples, SampleRate, nameof(frameSamples));
        ThrowIfTooSmall(pcm, frameSamples);
        return DecodeCore(nextPacket, pcm, frameSamples, fec: true, "opus_decode (FEC)");
    }

    /// <summary>Packet-loss concealment: synthesises <paramref name="frameSamples"/> samples per channel for a lost packet.</summary>
    public int Conceal(Span<short> pcm, int frameSamples)
    {
        OpusRules.ThrowIfInvalidFrameSamples(frameSamples, SampleRate, nameof(frameSamples));
        ThrowIfTooSmall(pcm, frameSamples);
        return DecodeCore(ReadOnlySpan<byte>.Empty, pcm, frameSamples, fec: false, "opus_decode (PLC)");
    }

    /// <summary>Returns the decoder to its freshly created state (via <c>opus_decoder_init</c>).</summary>
    public void Reset()
    {
        ObjectDisposedException.ThrowIf(_handle.IsClosed, this);
        var result = OpusNative.DecoderInit(_handle, SampleRate, Channels);
        if (result != OpusNative.Ok)
        {
            throw new OpusException("opus_decoder_init", result);
        }
    }

    public void Dispose() => _handle.Dispose();

    private void ThrowIfTooSmall(Span<short> pcm, int frameSamples)
    {
        if (pcm.Length < frameSamples * Channels)
        {
            throw new ArgumentException($"The PCM buffer holds {pcm.Length} samples but {frameSamples * Channels} are needed.", nameof(pcm));
        }
    }

    private int DecodeCore(ReadOnlySpan<byte> packet, Span<short> pcm, int frameSamples, bool fec, string operation)
    {
        ObjectDisposedException.ThrowIf(_handle.IsClosed, this);
        if (frameSamples <= 0)
        {
            throw new ArgumentException("The PCM buffer cannot hold a single frame.", nameof(pcm));
        }

        var result = DecodeRaw(packet, pcm, frameSamples, fec);
        return result < 0 ? throw new OpusException(operation, result) : result;
    }

    private unsafe int DecodeRaw(ReadOnlySpan<byte> packet, Span<short> pcm, int frameSamples, bool fec)
    {
        ObjectDisposedException.ThrowIf(_handle.IsClosed, this);
        fixed (byte* packetPointer = packet)
        fixed (short* pcmPointer = pcm)
        {
            // An empty span pins to NULL, which libopus treats as a lost packet (concealment).
            return OpusNative.Decode(_handle, packet.IsEmpty ? null : packetPointer, packet.Length, pcmPointer, frameSamples, fec ? 1 : 0);
        }
    }
}
