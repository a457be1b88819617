using AudioOrchestrator.Audio;

namespace AudioOrchestrator.Grains.Synthesis;

/// <summary>
/// Turns 48 kHz mono PCM into 20 ms Opus packets (mono or stereo), carrying a partial frame over to the next write.
/// </summary>
public sealed class OpusFrameWriter : IDisposable
{
    /// <summary>
    /// libopus complexity of answer audio: 5 encodes synthesized speech about twice as fast as the default 10
    /// (docs/benchmarks.md, "Where a speaker's CPU goes") with no difference a listener or a recogniser notices.
    /// </summary>
    public const int Complexity = 5;

    private readonly OpusEncoder _encoder;
    private readonly int _channels;
    private readonly short[] _frame;
    private readonly byte[] _packet = new byte[4000];
    private int _filled;

    public OpusFrameWriter(int channels)
    {
        _channels = channels;
        _encoder = new OpusEncoder(AudioFormat.OpusSampleRate, channels, OpusApplication.Voip) { Complexity = Complexity };
        _frame = new short[AudioFormat.SamplesPerFrame(AudioFormat.OpusSampleRate) * channels];
    }

    /// <summary>Samples per channel in one frame (960).</summary>
    public int FrameSamples => _frame.Length / _channels;

    /// <summary>Any speech audio as the 48 kHz mono samples <see cref="Write"/> takes.</summary>
    public static short[] Prepare(PcmAudio audio)
    {
        ArgumentNullException.ThrowIfNull(audio);
        return audio.ToMono().ResampleTo(AudioFormat.OpusSampleRate).Samples;
    }

    /// <summary>Encodes 48 kHz mono samples; complete packets are added to <paramref name="packets"/>.</summary>
    public void Write(ReadOnlySpan<short> mono, ICollection<byte[]> packets)
    {
        ArgumentNullException.ThrowIfNull(packets);
        while (!mono.IsEmpty)
        {
            var take = Math.Min(mono.Length, FrameSamples - (_filled / _channels));
            var source = mono[..take];
            if (_channels == 2)
            {
                PcmMath.MonoToStereo(source, _frame.AsSpan(_filled, take * 2));
            }
            else
            {
                source.CopyTo(_frame.AsSpan(_filled));
            }

            _filled += take * _channels;
            mono = mono[take..];
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
