using System.Buffers.Binary;
using AudioOrchestrator.Audio;

namespace AudioOrchestrator.Ingress.Live;

/// <summary>
/// The audio-out side's format change: the session's answer audio (48 kHz stereo Opus, 20 ms packets) becomes one
/// binary message in the socket's format: 16 kHz mono pcm16 (decoded to mono, libsoxr downsampling), or a 48 kHz mono
/// 20 ms Opus packet (decoded to mono and re-encoded). Not thread-safe: one per socket, used by its playback loop.
/// </summary>
public sealed class AnswerAudioConverter : IDisposable
{
    private static readonly int FrameSamples = AudioFormat.SamplesPerFrame(AudioFormat.OpusSampleRate);

    private readonly LiveAudioFormat _format;
    private readonly OpusDecoder _decoder = new(AudioFormat.OpusSampleRate, 1);
    private readonly OpusEncoder? _encoder;
    private readonly StreamingResampler? _resampler;
    private readonly short[] _mono;
    private readonly short[] _pcm16;
    private readonly byte[] _packet = new byte[OpusEncoder.MaxPacketSize];

    public AnswerAudioConverter(LiveAudioFormat format)
    {
        _format = format ?? throw new ArgumentNullException(nameof(format));
        _mono = new short[_decoder.MaxFrameSamples];
        if (format.IsOpus)
        {
            _encoder = new OpusEncoder(AudioFormat.OpusSampleRate, 1);
            _pcm16 = [];
        }
        else
        {
            _resampler = new StreamingResampler(AudioFormat.OpusSampleRate, format.SampleRate, 1);
            _pcm16 = new short[_resampler.MaxOutputSamples(_mono.Length)];
        }
    }

    /// <summary>The audio one output message of a 20 ms frame holds.</summary>
    public static TimeSpan FrameDuration { get; } = TimeSpan.FromMilliseconds(AudioFormat.FrameMilliseconds);

    /// <summary>Converts one answer packet; an empty result when there is nothing to send yet (the resampler's delay) or the packet does not decode.</summary>
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

        var produced = _resampler!.Process(_mono.AsSpan(0, samples), _pcm16);
        var bytes = new byte[produced * 2];
        for (var i = 0; i < produced; i++)
        {
            BinaryPrimitives.WriteInt16LittleEndian(bytes.AsSpan(i * 2, 2), _pcm16[i]);
        }

        return bytes;
    }

    public void Dispose()
    {
        _decoder.Dispose();
        _encoder?.Dispose();
        _resampler?.Dispose();
    }
}
