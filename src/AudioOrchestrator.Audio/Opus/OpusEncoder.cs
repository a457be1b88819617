using AudioOrchestrator.Audio.Interop;

namespace AudioOrchestrator.Audio;

/// <summary>Encodes 20 ms frames of interleaved 16-bit PCM into Opus packets (libopus).</summary>
public sealed class OpusEncoder : IDisposable
{
    /// <summary>Packet buffer size recommended by libopus; always large enough for <see cref="Encode"/>.</summary>
    public const int MaxPacketSize = 4000;

    private readonly OpusEncoderHandle _handle;

    public OpusEncoder(int sampleRate, int channels, OpusApplication application = OpusApplication.Voip)
    {
        OpusRules.ThrowIfUnsupported(sampleRate, channels);
        if (!Enum.IsDefined(application))
        {
            throw new ArgumentOutOfRangeException(nameof(application), application, "Unknown Opus application.");
        }

        _handle = OpusNative.EncoderCreate(sampleRate, channels, (int)application, out var error);
        if (error != OpusNative.Ok || _handle.IsInvalid)
        {
            _handle.Dispose();
            throw new OpusException("opus_encoder_create", error);
        }

        SampleRate = sampleRate;
        Channels = channels;
        FrameSamples = AudioFormat.SamplesPerFrame(sampleRate);
    }

    public int Channels { get; }

    public int SampleRate { get; }

    /// <summary>Samples per channel in the one 20 ms frame <see cref="Encode"/> accepts.</summary>
    public int FrameSamples { get; }

    /// <summary>Target bitrate in bits/s (OPUS_SET_BITRATE / OPUS_GET_BITRATE).</summary>
    public int Bitrate
    {
        get => GetCtl(OpusNative.GetBitrateRequest);
        set => SetCtl(OpusNative.SetBitrateRequest, value);
    }

    /// <summary>Encoder complexity, 0 (fastest) to 10 (libopus' default, best quality).</summary>
    public int Complexity
    {
        get => GetCtl(OpusNative.GetComplexityRequest);
        set
        {
            ArgumentOutOfRangeException.ThrowIfNegative(value);
            ArgumentOutOfRangeException.ThrowIfGreaterThan(value, 10);
            SetCtl(OpusNative.SetComplexityRequest, value);
        }
    }

    /// <summary>In-band forward error correction (OPUS_SET_INBAND_FEC); lets the receiver use <see cref="OpusDecoder.DecodeFec"/>.</summary>
    public bool InbandFec
    {
        get => GetCtl(OpusNative.GetInbandFecRequest) != 0;
        set => SetCtl(OpusNative.SetInbandFecRequest, value ? 1 : 0);
    }

    /// <summary>Expected packet loss 0..100 (OPUS_SET_PACKET_LOSS_PERC); FEC is only emitted when this is above zero.</summary>
    public int PacketLossPercent
    {
        get => GetCtl(OpusNative.GetPacketLossPercRequest);
        set
        {
            ArgumentOutOfRangeException.ThrowIfNegative(value);
            ArgumentOutOfRangeException.ThrowIfGreaterThan(value, 100);
            SetCtl(OpusNative.SetPacketLossPercRequest, value);
        }
    }

    /// <summary>Encodes exactly one 20 ms interleaved frame; returns the packet length in bytes.</summary>
    public unsafe int Encode(ReadOnlySpan<short> pcm, Span<byte> packet)
    {
        ObjectDisposedException.ThrowIf(_handle.IsClosed, this);
        if (pcm.Length != FrameSamples * Channels)
        {
            throw new ArgumentException($"Expected one 20 ms frame of {FrameSamples * Channels} interleaved samples ({FrameSamples} per channel x {Channels}) but got {pcm.Length}.", nameof(pcm));
        }

        if (packet.IsEmpty)
        {
            throw new ArgumentException("The packet buffer is empty.", nameof(packet));
        }

        int length;
        fixed (short* pcmPointer = pcm)
        fixed (byte* packetPointer = packet)
        {
            length = OpusNative.Encode(_handle, pcmPointer, FrameSamples, packetPointer, Math.Min(packet.Length, MaxPacketSize));
        }

        return length < 0 ? throw new OpusException("opus_encode", length) : length;
    }

    public void Dispose() => _handle.Dispose();

    private void SetCtl(int request, int value)
    {
        ThrowIfVariadicCallsUnsupported();
        var result = OpusNative.EncoderCtlSet(_handle, request, value);
        if (result != OpusNative.Ok)
        {
            throw new OpusException($"opus_encoder_ctl({request})", result);
        }
    }

    private int GetCtl(int request)
    {
        ThrowIfVariadicCallsUnsupported();
        var result = OpusNative.EncoderCtlGet(_handle, request, out var value);
        return result != OpusNative.Ok ? throw new OpusException($"opus_encoder_ctl({request})", result) : value;
    }

    private void ThrowIfVariadicCallsUnsupported()
    {
        ObjectDisposedException.ThrowIf(_handle.IsClosed, this);
        if (OperatingSystem.IsMacOS() || OperatingSystem.IsIOS())
        {
            throw new PlatformNotSupportedException("opus_encoder_ctl is variadic and is only bound for ABIs that pass variadic integers like fixed ones.");
        }
    }
}
