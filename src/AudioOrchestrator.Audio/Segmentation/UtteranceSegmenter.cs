namespace AudioOrchestrator.Audio;

/// <summary>
/// Splits a mono stream into utterances in 20 ms frames using a pluggable <see cref="IVoiceActivityDetector"/>
/// (default: <see cref="EnergyVoiceActivityDetector"/>). An utterance opens on the first speech frame, closes after
/// <see cref="UtteranceSegmenterOptions.EndOfUtteranceSilenceMs"/> of non-speech or when
/// <see cref="UtteranceSegmenterOptions.MaxUtteranceMs"/> have passed since its speech started, and is emitted only if
/// it contained at least <see cref="UtteranceSegmenterOptions.MinSpeechMs"/> of speech. With
/// <see cref="UtteranceSegmenterOptions.PreemptiveSilenceMs"/> set, the open utterance is offered as <see cref="Tentative"/>
/// once that much silence followed its speech, until speech resumes or the utterance closes. One instance per stream;
/// not thread-safe.
/// </summary>
public sealed class UtteranceSegmenter
{
    private readonly IVoiceActivityDetector _detector;
    private readonly int _sampleRate;
    private readonly int _frameSamples;
    private readonly long _minSpeechSamples;
    private readonly long _endSilenceSamples;
    private readonly long _preemptiveSilenceSamples;
    private readonly long _maxUtteranceSamples;
    private readonly short[] _partialFrame;
    private readonly PreRollBuffer _preRoll;
    private readonly UtteranceBuffer _utterance;
    private int _partialCount;
    private long _processedSamples;
    private bool _open;
    private long _speechStart;
    private long _speechEnd;
    private long _speechSamples;
    private long _silenceSamples;

    public UtteranceSegmenter(UtteranceSegmenterOptions options, int sampleRate = AudioFormat.SpeechSampleRate, IVoiceActivityDetector? detector = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.ThrowIfInvalid();
        _frameSamples = AudioFormat.SamplesPerFrame(sampleRate);
        _sampleRate = sampleRate;
        _detector = detector ?? new EnergyVoiceActivityDetector(options);
        _minSpeechSamples = MillisecondsToSamples(options.MinSpeechMs);
        _endSilenceSamples = MillisecondsToSamples(options.EndOfUtteranceSilenceMs);
        _preemptiveSilenceSamples = MillisecondsToSamples(options.PreemptiveSilenceMs);
        _maxUtteranceSamples = MillisecondsToSamples(options.MaxUtteranceMs);
        _partialFrame = new short[_frameSamples];
        var preRollSamples = (int)MillisecondsToSamples(options.PreRollMs);
        _preRoll = new PreRollBuffer(preRollSamples);
        _utterance = new UtteranceBuffer(preRollSamples + (2 * sampleRate));
    }

    /// <summary>True while an open utterance already holds at least MinSpeechMs of speech.</summary>
    public bool InSpeech => _open && _speechSamples >= _minSpeechSamples;

    /// <summary>
    /// The open utterance as heard so far, once <see cref="UtteranceSegmenterOptions.PreemptiveSilenceMs"/> of silence
    /// followed its speech: what it will be if nothing more is said. Null again when speech resumes or it closes.
    /// </summary>
    public SegmentedUtterance? Tentative { get; private set; }

    /// <summary>Stream position: duration of all samples pushed so far.</summary>
    public TimeSpan Position => ToTime(_processedSamples + _partialCount);

    public int SampleRate => _sampleRate;

    /// <summary>Feeds mono samples of any length; utterances decided during this call are added to <paramref name="completed"/>.</summary>
    public void Push(ReadOnlySpan<short> monoSamples, ICollection<SegmentedUtterance> completed)
    {
        ArgumentNullException.ThrowIfNull(completed);
        while (!monoSamples.IsEmpty)
        {
            if (_partialCount == 0 && monoSamples.Length >= _frameSamples)
            {
                ProcessFrame(monoSamples[.._frameSamples], completed);
                monoSamples = monoSamples[_frameSamples..];
                continue;
            }

            var take = Math.Min(_frameSamples - _partialCount, monoSamples.Length);
            monoSamples[..take].CopyTo(_partialFrame.AsSpan(_partialCount));
            _partialCount += take;
            monoSamples = monoSamples[take..];
            if (_partialCount == _frameSamples)
            {
                _partialCount = 0;
                ProcessFrame(_partialFrame, completed);
            }
        }
    }

    /// <summary>End of input: closes an open utterance, returning it if it had at least MinSpeechMs of speech.</summary>
    public SegmentedUtterance? Flush()
    {
        var partial = _partialFrame.AsSpan(0, _partialCount);
        _processedSamples += _partialCount;
        _partialCount = 0;
        if (!_open)
        {
            _preRoll.Write(partial);
            return null;
        }

        _utterance.Append(partial);
        return Close();
    }

    private void ProcessFrame(ReadOnlySpan<short> frame, ICollection<SegmentedUtterance> completed)
    {
        var frameStart = _processedSamples;
        _processedSamples += frame.Length;
        var isSpeech = _detector.IsSpeech(frame);
        if (!_open && isSpeech)
        {
            Open(frameStart);
        }

        _preRoll.Write(frame);
        if (!_open)
        {
            return;
        }

        _utterance.Append(frame);
        if (isSpeech)
        {
            _speechSamples += frame.Length;
            _speechEnd = _processedSamples;
            _silenceSamples = 0;
            Tentative = null; // the speaker goes on
        }
        else
        {
            _silenceSamples += frame.Length;
        }

        var endOfUtterance = _silenceSamples >= _endSilenceSamples;
        if (!endOfUtterance && Tentative is null && _preemptiveSilenceSamples > 0 && _silenceSamples >= _preemptiveSilenceSamples && _speechSamples >= _minSpeechSamples)
        {
            Tentative = new SegmentedUtterance(_utterance.ToArray(), _sampleRate, ToTime(_speechStart), ToTime(_speechEnd), ToTime(_processedSamples));
        }
        var tooLong = _processedSamples - _speechStart >= _maxUtteranceSamples;
        if ((endOfUtterance || tooLong) && Close() is { } utterance)
        {
            completed.Add(utterance);
        }
    }

    private void Open(long speechStart)
    {
        _open = true;
        _speechStart = speechStart;
        _speechEnd = speechStart;
        _speechSamples = 0;
        _silenceSamples = 0;
        _utterance.Open(_preRoll);
    }

    private SegmentedUtterance? Close()
    {
        SegmentedUtterance? utterance = null;
        if (_speechSamples >= _minSpeechSamples)
        {
            utterance = new SegmentedUtterance(_utterance.ToArray(), _sampleRate, ToTime(_speechStart), ToTime(_speechEnd), ToTime(_processedSamples));

            // Everything up to here was emitted; the next utterance's pre-roll must not repeat it.
            _preRoll.Clear();
        }

        _utterance.Close();
        _open = false;
        Tentative = null;
        return utterance;
    }

    private long MillisecondsToSamples(int milliseconds) => (long)milliseconds * _sampleRate / 1000;

    private TimeSpan ToTime(long samples) => TimeSpan.FromTicks(samples * TimeSpan.TicksPerSecond / _sampleRate);
}
