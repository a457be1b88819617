using AudioOrchestrator.Audio;

namespace AudioOrchestrator.Grains.Synthesis;

/// <summary>
/// Turns PCM chunks of any rate into 48 kHz 20 ms Opus packets, carrying partial frames over to the next chunk.
/// </summary>
public sealed class OpusFrameWriter : IDisposable
{
    private readonly OpusEncoder _encoder;
    private readonly int _channels;
    private readonly short[] _frame;
    private readonly byte[] _packet = new byte[4000];
    private int _filled;

    public OpusFrameWriter(int channels)
    {
        _channels = channels;
        _encoder = new OpusEncoder(AudioFormat.OpusSampleRate, channels, OpusApplication.Voip);
        _frame = new short[AudioFormat.SamplesPerFrame(AudioFormat.OpusSampleRate) * channels];
    }

    /// <summary>Encodes the audio; complete packets are added to <paramref name="packets"/>.</summary>
    public void Write(PcmAudio chunk, ICollection<byte[]> packets)
    {
        ArgumentNullException.ThrowIfNull(chunk);
        ArgumentNullException.ThrowIfNull(packets);
        var mono = chunk.ToMono().ResampleTo(AudioFormat.OpusSampleRate).Samples;
        var offset = 0;
        while (offset < mono.Length)
        {
            var take = Math.Min(mono.Length - offset, (_frame.Length / _channels) - (_filled / _channels));
            var source = mono.AsSpan(offset, take);
            if (_channels == 2)
            {
                PcmMath.MonoToStereo(source, _frame.AsSpan(_filled, take * 2));
            }
            else
            {
                source.CopyTo(_frame.AsSpan(_filled));
            }

            _filled += take * _channels;
            offset += take;
            if (_filled == _frame.Length)
            {
                packets.Add(EncodeFrame());
            }
        }
    }

    /// <summary>Pads and encodes the last partial frame, if any.</summary>
    public void Flush(ICollection<byte[]> packets)
    {
        ArgumentNullException.ThrowIfNull(packets);
        if (_filled > 0)
        {
            _frame.AsSpan(_filled).Clear();
            packets.Add(EncodeFrame());
        }
    }

    public void Dispose() => _encoder.Dispose();

    private byte[] EncodeFrame()
    {
        var length = _encoder.Encode(_frame, _packet);
        _filled = 0;
        return _packet.AsSpan(0, length).ToArray();
    }
}
