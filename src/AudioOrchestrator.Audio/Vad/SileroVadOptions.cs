namespace AudioOrchestrator.Audio;

/// <summary>
/// Settings of the Silero VAD (<see cref="SileroVadModel"/>, <see cref="SileroVadStream"/>,
/// <see cref="SileroVoiceActivityDetector"/>). Check with <see cref="Validate"/> or <see cref="SileroVadOptionsValidator"/>.
/// </summary>
public sealed class SileroVadOptions
{
    /// <summary>sha256 of <c>dist/silero_vad_v5.onnx</c> in the npm package <c>@ricky0123/vad-web@0.0.31</c>.</summary>
    public const string Version5Sha256 = "2623a2953f6ff3d2c1e61740c6cdb7168133479b267dfef114a4a3cc5bdd788f";

    /// <summary>File name scripts/setup.sh caches the model under.</summary>
    public const string ModelFileName = "silero_vad_v5.onnx";

    /// <summary>
    /// Where scripts/setup.sh caches the model: <c>${XDG_CACHE_HOME:-$HOME/.cache}/audio-orchestrator/models/silero_vad_v5.onnx</c>.
    /// </summary>
    public static string DefaultModelPath
    {
        get
        {
            var cache = Environment.GetEnvironmentVariable("XDG_CACHE_HOME");
            if (string.IsNullOrEmpty(cache))
            {
                var home = Environment.GetEnvironmentVariable("HOME");
                if (string.IsNullOrEmpty(home))
                {
                    home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
                }

                cache = Path.Combine(home, ".cache");
            }

            return Path.Combine(cache, "audio-orchestrator", "models", ModelFileName);
        }
    }

    /// <summary>The ONNX model file (Silero VAD v5).</summary>
    public string ModelPath { get; set; } = DefaultModelPath;

    /// <summary>Lower-case hex sha256 the model file must have; a different file is refused.</summary>
    public string ModelSha256 { get; set; } = Version5Sha256;

    /// <summary>Speech probability at or above which the detector switches to speech.</summary>
    public float SpeechThreshold { get; set; } = 0.5f;

    /// <summary>Speech probability below which the detector switches back to non-speech (hysteresis, below <see cref="SpeechThreshold"/>).</summary>
    public float SilenceThreshold { get; set; } = 0.35f;

    /// <summary>
    /// Windows whose RMS level is below this skip inference and count as probability 0 (the 64-sample context still
    /// advances). <see cref="PcmMath.SilenceDbfs"/> (-120) turns the gate off for all but digital silence.
    /// </summary>
    public double EnergyGateDbfs { get; set; } = -60;

    /// <summary>
    /// Adaptive part of the gate: windows less than this many dB above the speaker's tracked noise floor also skip
    /// inference (steady background noise costs a level check instead of a model run). The floor follows quieter
    /// windows down at once and louder non-speech windows up with a ~0.6 s time constant. 0 turns it off.
    /// </summary>
    public double AdaptiveGateMarginDb { get; set; }

    /// <summary>Returns every problem found; empty when the options are usable.</summary>
    public IReadOnlyList<string> Validate()
    {
        var problems = new List<string>();
        if (string.IsNullOrWhiteSpace(ModelPath))
        {
            problems.Add($"{nameof(ModelPath)} must name the Silero VAD model file (default {DefaultModelPath}; scripts/setup.sh fetches it).");
        }

        if (ModelSha256 is null || ModelSha256.Length != 64 || !ModelSha256.All(char.IsAsciiHexDigitLower))
        {
            problems.Add($"{nameof(ModelSha256)} must be 64 lower-case hex digits (was '{ModelSha256}').");
        }

        if (float.IsNaN(SpeechThreshold) || SpeechThreshold is <= 0 or >= 1)
        {
            problems.Add($"{nameof(SpeechThreshold)} must be between 0 and 1, exclusive (was {SpeechThreshold}).");
        }

        if (float.IsNaN(SilenceThreshold) || SilenceThreshold is <= 0 or >= 1)
        {
            problems.Add($"{nameof(SilenceThreshold)} must be between 0 and 1, exclusive (was {SilenceThreshold}).");
        }
        else if (SilenceThreshold > SpeechThreshold)
        {
            problems.Add($"{nameof(SilenceThreshold)} ({SilenceThreshold}) must not exceed {nameof(SpeechThreshold)} ({SpeechThreshold}).");
        }

        if (double.IsNaN(EnergyGateDbfs) || EnergyGateDbfs is < PcmMath.SilenceDbfs or > 0)
        {
            problems.Add($"{nameof(EnergyGateDbfs)} must be between {PcmMath.SilenceDbfs} and 0 dBFS (was {EnergyGateDbfs}).");
        }

        if (double.IsNaN(AdaptiveGateMarginDb) || AdaptiveGateMarginDb is < 0 or > 40)
        {
            problems.Add($"{nameof(AdaptiveGateMarginDb)} must be between 0 (off) and 40 dB (was {AdaptiveGateMarginDb}).");
        }

        return problems;
    }

    /// <summary>Throws <see cref="ArgumentException"/> listing every problem.</summary>
    public void ThrowIfInvalid()
    {
        var problems = Validate();
        if (problems.Count > 0)
        {
            throw new ArgumentException("Invalid Silero VAD options: " + string.Join(" ", problems));
        }
    }
}
