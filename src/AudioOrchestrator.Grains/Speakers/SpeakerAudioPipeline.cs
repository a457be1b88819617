using AudioOrchestrator.Audio;

namespace AudioOrchestrator.Grains.Speakers;

/// <summary>
/// One input's DSP chain: Opus (48 kHz, decoded straight to mono) -> 16 kHz (libsoxr) -> utterance
/// segmentation. Not thread-safe; owned by one grain activation.
/// </summary>
public sealed class SpeakerAudioPipeline : IDisposable
{
    private const int MaxOpusFrameSamples = 5760; // 120 ms at 48 kHz
    private readonly OpusDecoder _decoder = new(AudioFormat.OpusSampleRate, 1);
    private readonly StreamingResampler _resampler = new(AudioFormat.OpusSampleRate, AudioFormat.SpeechSampleRate, 1);
    private readonly UtteranceSegmenter _segmenter;
    private readonly IVoiceActivityDetector? _detector;
    private readonly short[] _decoded = new short[MaxOpusFrameSamples];
    private readonly short[] _resampled;

    /// <param name="options">Segmentation settings.</param>
    /// <param name="detector">Voice activity detector owned (and disposed) by the pipeline; null = energy detector.</param>
    public SpeakerAudioPipeline(UtteranceSegmenterOptions options, IVoiceActivityDetector? detector = null)
    {
        _detector = detector;
        _segmenter = new UtteranceSegmenter(options, AudioFormat.SpeechSampleRate, detector);
        _resampled = new short[_resampler.MaxOutputSamples(MaxOpusFrameSamples)];
    }

    public long Frames { get; private set; }

    public long CorruptFrames { get; private set; }

    public bool InSpeech => _segmenter.InSpeech;

    /// <summary>Decodes one packet; a corrupt packet is counted and skipped. Returns false for a corrupt packet.</summary>
    public bool PushOpus(ReadOnlySpan<byte> packet, ICollection<SegmentedUtterance> completed)
    {
        Frames++;
        int samples;
        try
        {
            samples = _decoder.Decode(packet, _decoded);
        }
        catch (OpusException)
        {
            CorruptFrames++;
            return false;
        }

        var written = _resampler.Process(_decoded.AsSpan(0, samples), _resampled);
        _segmenter.Push(_resampled.AsSpan(0, written), completed);
        return true;
    }

    /// <summary>Feeds digital silence for a stretch in which no packets arrived (a live speaker who went quiet).</summary>
    public void PushSilence(TimeSpan duration, ICollection<SegmentedUtterance> completed)
    {
        var samples = (int)Math.Min(duration.TotalSeconds * AudioFormat.SpeechSampleRate, _resampled.Length * 100L);
        Array.Clear(_resampled);
        for (var remaining = samples; remaining > 0; remaining -= _resampled.Length)
        {
            _segmenter.Push(_resampled.AsSpan(0, Math.Min(remaining, _resampled.Length)), completed);
        }
    }

    /// <summary>End of input: drains the resampler and closes an open utterance.</summary>
    public void Flush(ICollection<SegmentedUtterance> completed)
    {
        ArgumentNullException.ThrowIfNull(completed);
        var written = _resampler.Flush(_resampled);
        _segmenter.Push(_resampled.AsSpan(0, written), completed);
        if (_segmenter.Flush() is { } last)
        {
            completed.Add(last);
        }
    }

    public void Dispose()
    {
        (_detector as IDisposable)?.Dispose();
        _decoder.Dispose();
        _resampler.Dispose();
    }
}
