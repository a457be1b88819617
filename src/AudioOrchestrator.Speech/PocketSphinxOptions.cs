using Microsoft.Extensions.Options;

namespace AudioOrchestrator.Speech;

/// <summary>Configuration of <see cref="PocketSphinxSpeechToTextClient"/>.</summary>
public sealed class PocketSphinxOptions
{
    /// <summary>Directory of the pocketsphinx model; the acoustic model, dictionary and language model are resolved inside it.</summary>
    public string ModelDirectory { get; set; } = "/usr/share/pocketsphinx/model/en-us";

    /// <summary>Acoustic model directory; default <c>{ModelDirectory}/en-us</c>.</summary>
    public string? AcousticModelPath { get; set; }

    /// <summary>Pronunciation dictionary; default <c>{ModelDirectory}/cmudict-en-us.dict</c>.</summary>
    public string? DictionaryPath { get; set; }

    /// <summary>General n-gram language model used as fallback; default <c>{ModelDirectory}/en-us.lm.bin</c>.</summary>
    public string? LanguageModelPath { get; set; }

    /// <summary>Maximum number of decoders (each holds the models in memory, roughly 30-40 MB). Created lazily.</summary>
    public int DecoderPoolSize { get; set; } = 2;

    /// <summary>
    /// Extra words allowed where a phrase says <c>{text}</c>. Words missing from the dictionary are ignored.
    /// Default: a built-in list of a few hundred common English words.
    /// Note: configuration binding appends to this list; clear it first to replace the defaults.
    /// </summary>
#pragma warning disable CA2227 // The brief asks for a settable list so hosts can replace it wholesale.
    public IList<string> DictationWords { get; set; } = DefaultDictationWords.Create();
#pragma warning restore CA2227

    /// <summary>Audio whose loudest 20 ms frame is quieter than this (dBFS) is treated as silence and not decoded.</summary>
    public double SilenceThresholdDbfs { get; set; } = -50;

    /// <summary>Where pocketsphinx writes its own log (process-wide setting of the native library).</summary>
    public string NativeLogFile { get; set; } = "/dev/null";

    /// <summary>Extra native decoder parameters (name such as <c>-wip</c> to string/bool/int/double), for tuning experiments.</summary>
    internal IList<KeyValuePair<string, object>> NativeParameters { get; } = [];

    internal string ResolvedAcousticModelPath => AcousticModelPath ?? Path.Combine(ModelDirectory, "en-us");

    internal string ResolvedDictionaryPath => DictionaryPath ?? Path.Combine(ModelDirectory, "cmudict-en-us.dict");

    internal string ResolvedLanguageModelPath => LanguageModelPath ?? Path.Combine(ModelDirectory, "en-us.lm.bin");

    /// <summary>Checks the options, including that the model files exist.</summary>
    public ValidateOptionsResult Validate()
    {
        var failures = new List<string>();
        if (string.IsNullOrWhiteSpace(ModelDirectory))
        {
            failures.Add($"{nameof(ModelDirectory)} must be set.");
        }
        else
        {
            if (!Directory.Exists(ResolvedAcousticModelPath))
            {
                failures.Add($"Acoustic model directory '{ResolvedAcousticModelPath}' does not exist.");
            }

            if (!File.Exists(ResolvedDictionaryPath))
            {
                failures.Add($"Dictionary '{ResolvedDictionaryPath}' does not exist.");
            }

            if (!File.Exists(ResolvedLanguageModelPath))
            {
                failures.Add($"Language model '{ResolvedLanguageModelPath}' does not exist.");
            }
        }

        if (DecoderPoolSize is < 1 or > 64)
        {
            failures.Add($"{nameof(DecoderPoolSize)} must be between 1 and 64 (was {DecoderPoolSize}).");
        }

        if (DictationWords is null)
        {
            failures.Add($"{nameof(DictationWords)} must not be null.");
        }

        if (double.IsNaN(SilenceThresholdDbfs) || SilenceThresholdDbfs > 0)
        {
            failures.Add($"{nameof(SilenceThresholdDbfs)} must be at most 0 dBFS (was {SilenceThresholdDbfs}).");
        }

        if (string.IsNullOrWhiteSpace(NativeLogFile))
        {
            failures.Add($"{nameof(NativeLogFile)} must be set (use /dev/null to discard).");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}

/// <summary>Validates <see cref="PocketSphinxOptions"/> at start-up.</summary>
public sealed class PocketSphinxOptionsValidator : IValidateOptions<PocketSphinxOptions>
{
    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? name, PocketSphinxOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return options.Validate();
    }
}
