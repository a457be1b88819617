namespace AudioOrchestrator.Audio;

/// <summary>
/// Decodes one speaker's RTP-numbered Opus packets in order through an <see cref="OpusJitterBuffer"/>: normal
/// decoding, in-band FEC for a single lost packet, concealment for longer gaps, corrupt packets replaced by
/// concealment (and counted) instead of breaking the stream.
/// </summary>
public sealed class JitterBufferedOpusDecoder : IDisposable
{
    private readonly OpusDecoder _decoder;
    private readonly OpusJitterBuffer _buffer;
    private readonly List<JitterInstruction> _instructions = [];
    private readonly short[] _pcm;
    private readonly int _frameSamples;

    public JitterBufferedOpusDecoder(int sampleRate, int channels, JitterBufferOptions? options = null)
    {
        _decoder = new OpusDecoder(sampleRate, channels);
        _buffer = new OpusJitterBuffer(options);
        _frameSamples = AudioFormat.SamplesPerFrame(sampleRate);
        _pcm = new short[_decoder.MaxFrameSamples * channels];
    }

    public JitterStatistics Statistics => _buffer.Statistics;

    /// <summary>Corrupt packets that were concealed instead of decoded.</summary>
    public long CorruptPackets { get; private set; }

    /// <summary>Accepts a packet; every frame that can now be played is decoded and handed to <paramref name="onFrame"/> in order.</summary>
    public void Push(ushort sequence, ReadOnlyMemory<byte> packet, Action<ReadOnlySpan<short>> onFrame)
    {
        ArgumentNullException.ThrowIfNull(onFrame);
        _instructions.Clear();
        _buffer.Push(sequence, packet, _instructions);
        Play(onFrame);
    }

    /// <summary>End of the stream: decodes what is held.</summary>
    public void Drain(Action<ReadOnlySpan<short>> onFrame)
    {
        ArgumentNullException.ThrowIfNull(onFrame);
        _instructions.Clear();
        _buffer.Drain(_instructions);
        Play(onFrame);
    }

    public void Dispose() => _decoder.Dispose();

    private void Play(Action<ReadOnlySpan<short>> onFrame)
    {
        foreach (var step in _instructions)
        {
            int samples;
            try
            {
                samples = step.Action switch
                {
                    JitterAction.Decode => _decoder.Decode(step.Payload.Span, _pcm),
                    JitterAction.RecoverWithFec => _decoder.DecodeFec(step.Payload.Span, _pcm, _frameSamples),
                    _ => _decoder.Conceal(_pcm, _frameSamples),
                };
            }
            catch (OpusException)
            {
                CorruptPackets++;
                samples = _decoder.Conceal(_pcm, _frameSamples);
            }

            onFrame(_pcm.AsSpan(0, samples * (_pcm.Length / _decoder.MaxFrameSamples)));
        }
    }
}
