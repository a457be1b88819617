namespace AudioOrchestrator.Audio;

/// <summary>
/// Interim energy detector: a frame is speech when its RMS level exceeds
/// max(<see cref="UtteranceSegmenterOptions.SpeechThresholdDbfs"/>, noise floor + <see cref="UtteranceSegmenterOptions.NoiseFloorMarginDb"/>).
/// The noise floor follows quiet frames down immediately, tracks non-speech frames with a ~1 s time constant,
/// and creeps up by <see cref="SpeechCreepDbPerFrame"/> during speech so a persistent loud noise is eventually absorbed.
/// One instance per stream.
/// </summary>
public sealed class EnergyVoiceActivityDetector : IVoiceActivityDetector
{
    /// <summary>Smoothing factor for the noise floor on non-speech frames (50 frames/s =&gt; ~1 s).</summary>
    public const double NoiseTrackingFactor = 0.02;

    /// <summary>Upward drift of the noise floor per speech frame (1 dB/s at 50 frames/s).</summary>
    public const double SpeechCreepDbPerFrame = 0.02;

    private readonly double _thresholdDbfs;
    private readonly double _marginDb;

    public EnergyVoiceActivityDetector(UtteranceSegmenterOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _thresholdDbfs = options.SpeechThresholdDbfs;
        _marginDb = options.NoiseFloorMarginDb;
        NoiseFloorDbfs = _thresholdDbfs - _marginDb;
    }

    /// <summary>Current noise floor estimate.</summary>
    public double NoiseFloorDbfs { get; private set; }

    /// <summary>Level a frame must exceed to count as speech right now.</summary>
    public double CurrentThresholdDbfs => Math.Max(_thresholdDbfs, NoiseFloorDbfs + _marginDb);

    public bool IsSpeech(ReadOnlySpan<short> frame)
    {
        var level = PcmMath.RmsDbfs(frame);
        var isSpeech = level > CurrentThresholdDbfs;
        if (level < NoiseFloorDbfs)
        {
            NoiseFloorDbfs = level;
        }
        else if (!isSpeech)
        {
            NoiseFloorDbfs += (level - NoiseFloorDbfs) * NoiseTrackingFactor;
        }
        else
        {
            NoiseFloorDbfs += SpeechCreepDbPerFrame;
        }

        return isSpeech;
    }
}
