namespace AudioOrchestrator.Audio;

/// <summary>
/// <see cref="IVoiceActivityDetector"/> on Silero VAD for the <see cref="UtteranceSegmenter"/>: 16 kHz frames of any
/// length (20 ms in the segmenter) are buffered into 512-sample windows; each completed window's probability drives a
/// hysteresis (speech from <see cref="SileroVadOptions.SpeechThreshold"/> up, non-speech below
/// <see cref="SileroVadOptions.SilenceThreshold"/>). A frame is speech when the state after its last completed window
/// is speech, so decisions lag the audio by up to one window (32 ms). One instance per stream; not thread-safe.
/// </summary>
public sealed class SileroVoiceActivityDetector : IVoiceActivityDetector, IDisposable
{
    private readonly SileroVadStream _stream;
    private readonly short[] _window = new short[SileroVadModel.WindowSamples];
    private SpeechHysteresis _hysteresis;
    private int _buffered;

    public SileroVoiceActivityDetector(SileroVadModel model, SileroVadOptions options)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(options);
        options.ThrowIfInvalid();
        _stream = new SileroVadStream(model, options);
        _hysteresis = new SpeechHysteresis(options.SpeechThreshold, options.SilenceThreshold);
    }

    /// <summary>The hysteresis state after the last completed window.</summary>
    public bool InSpeech => _hysteresis.InSpeech;

    /// <summary>The underlying stream (probabilities and inference counts).</summary>
    public SileroVadStream Stream => _stream;

    public bool IsSpeech(ReadOnlySpan<short> frame)
    {
        while (!frame.IsEmpty)
        {
            var take = Math.Min(frame.Length, _window.Length - _buffered);
            frame[..take].CopyTo(_window.AsSpan(_buffered));
            _buffered += take;
            frame = frame[take..];
            if (_buffered == _window.Length)
            {
                _buffered = 0;
                _hysteresis.Update(_stream.Process(_window));
            }
        }

        return InSpeech;
    }

    /// <summary>Forgets all state (a new stream).</summary>
    public void Reset()
    {
        _stream.Reset();
        _buffered = 0;
        _hysteresis.Reset();
    }

    public void Dispose() => _stream.Dispose();
}
