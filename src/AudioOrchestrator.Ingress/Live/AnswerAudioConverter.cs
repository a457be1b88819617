using System.Buffers.Binary;
using AudioOrchestrator.Audio;

namespace AudioOrchestrator.Ingress.Live;

/// <summary>
/// The audio-out side's format change: the session's answer audio (48 kHz stereo Opus, 20 ms packets) becomes one
/// binary message in the socket's format: 16 kHz mono pcm16 (libopus decodes straight to 16 kHz mono), or a 48 kHz mono
/// 20 ms Opus packet (decoded to mono and re-encoded at complexity <see cref="OpusComplexity"/>). Not thread-safe: one
/// per socket, used by its playback loop.
/// </summary>
public sealed class AnswerAudioConverter : IDisposable
{
    /// <summary>Complexity of the re-encoding for opus sockets (libopus' default 10 costs twice the CPU for speech a listener cannot tell apart).</summary>
    public const int OpusComplexity = 5;

    private readonly OpusDecoder _decoder;
    private readonly OpusEncoder? _encoder;
    private readonly short[] _mono;
    private readonly byte[] _packet = new byte[OpusEncoder.MaxPacketSize];

    public AnswerAudioConverter(LiveAudioFormat format)
    {
        ArgumentNullException.ThrowIfNull(format);
        _decoder = new OpusDecoder(format.IsOpus ? AudioFormat.OpusSampleRate : format.SampleRate, 1);
        _mono = new short[_decoder.MaxFrameSamples];
        if (format.IsOpus)
        {
            _encoder = new OpusEncoder(AudioFormat.OpusSampleRate, 1) { Complexity = OpusComplexity };
        }
    }

    private int FrameSamples => AudioFormat.SamplesPerFrame(_decoder.SampleRate);

    /// <summary>The audio one output message of a 20 ms frame holds.</summary>
    public static TimeSpan FrameDuration { get; } = TimeSpan.FromMilliseconds(AudioFormat.FrameMilliseconds);

    /// <summary>Converts one answer packet; an empty result when the packet does not decode.</summary>
    public byte[] Convert(ReadOnlySpan<byte> stereoOpus)
    {
        var samples = stereoOpus.IsEmpty ? _decoder.Conceal(_mono, FrameSamples) : _decoder.TryDecode(stereoOpus, _mono);
        if (samples <= 0)
        {
            return [];
        }

        if (_encoder is not null)
        {
            if (samples != FrameSamples)
            {
                return []; // not a 20 ms frame: the session only publishes 20 ms frames
            }

            var length = _encoder.Encode(_mono.AsSpan(0, FrameSamples), _packet);
            return _packet.AsSpan(0, length).ToArray();
        }

        var bytes = new byte[samples * 2];
        for (var i = 0; i < samples; i++)
        {
            BinaryPrimitives.WriteInt16LittleEndian(bytes.AsSpan(i * 2, 2), _mono[i]);
        }

        return bytes;
    }

    public void Dispose()
    {
        _decoder.Dispose();
        _encoder?.Dispose();
    }
}
