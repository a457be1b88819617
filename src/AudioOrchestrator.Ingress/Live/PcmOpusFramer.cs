using System.Buffers.Binary;
using AudioOrchestrator.Audio;

namespace AudioOrchestrator.Ingress.Live;

/// <summary>
/// The pcm16 side of audio in: 16-bit little-endian mono PCM at 16 kHz, in chunks of any even length, becomes 20 ms
/// 48 kHz mono Opus packets (libsoxr upsampling, libopus in VoIP mode, as an upload's audio is encoded). A partial
/// frame waits for the next chunk. Not thread-safe: one per socket, used by its receive loop.
/// </summary>
public sealed class PcmOpusFramer : IDisposable
{
    private static readonly int FrameSamples = AudioFormat.SamplesPerFrame(AudioFormat.OpusSampleRate);

    private readonly StreamingResampler _resampler = new(LiveAudioFormat.Pcm16.SampleRate, AudioFormat.OpusSampleRate, 1);
    private readonly OpusEncoder _encoder = new(AudioFormat.OpusSampleRate, 1);
    private readonly short[] _frame = new short[FrameSamples];
    private readonly byte[] _packet = new byte[OpusEncoder.MaxPacketSize];
    private short[] _input = new short[320];
    private short[] _resampled = new short[1024];
    private int _filled;

    /// <summary>Encodes what <paramref name="pcm"/> completes; returns the packets (none while a frame is still partial).</summary>
    /// <exception cref="ArgumentException">An odd number of bytes.</exception>
    public IReadOnlyList<byte[]> Push(ReadOnlySpan<byte> pcm)
    {
        if (pcm.Length % 2 != 0)
        {
            throw new ArgumentException("16-bit PCM comes in whole samples (an even number of bytes).", nameof(pcm));
        }

        var samples = pcm.Length / 2;
        if (samples == 0)
        {
            return [];
        }

        if (_input.Length < samples)
        {
            _input = new short[samples];
        }

        for (var i = 0; i < samples; i++)
        {
            _input[i] = BinaryPrimitives.ReadInt16LittleEndian(pcm.Slice(i * 2, 2));
        }

        var needed = _resampler.MaxOutputSamples(samples);
        if (_resampled.Length < needed)
        {
            _resampled = new short[needed];
        }

        var produced = _resampler.Process(_input.AsSpan(0, samples), _resampled);
        List<byte[]>? packets = null;
        var offset = 0;
        while (offset < produced)
        {
            var take = Math.Min(FrameSamples - _filled, produced - offset);
            _resampled.AsSpan(offset, take).CopyTo(_frame.AsSpan(_filled));
            _filled += take;
            offset += take;
            if (_filled == FrameSamples)
            {
                var length = _encoder.Encode(_frame, _packet);
                (packets ??= []).Add(_packet.AsSpan(0, length).ToArray());
                _filled = 0;
            }
        }

        return packets ?? (IReadOnlyList<byte[]>)[];
    }

    public void Dispose()
    {
        _resampler.Dispose();
        _encoder.Dispose();
    }
}
