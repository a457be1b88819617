using Microsoft.Extensions.Options;

namespace AudioOrchestrator.Speech;

/// <summary>Configuration of <see cref="PocketSphinxWakePhraseSpotter"/> (section <c>Speech:WakeSpotting</c>).</summary>
public sealed class WakePhraseSpotterOptions
{
    /// <summary>
    /// Keyphrase detection threshold (pocketsphinx <c>-kws_threshold</c>, per phrase): smaller values detect more
    /// readily (more false alarms), larger values are stricter. Measured on espeak-ng with the enrolled model: 1e-10 to
    /// 1e-40 all detect "hey orchestrator" and nothing in "the orchestra played".
    /// </summary>
    public double KeyphraseThreshold { get; set; } = 1e-20;

    /// <summary>Spotting decoders (acoustic model and dictionary, no language model); created lazily. When all are busy, utterances are confirmed on the transcript alone.</summary>
    public int DecoderPoolSize { get; set; } = 4;

    /// <summary>
    /// 10 ms frames pocketsphinx waits after a keyphrase before reporting it (<c>-kws_delay</c>, default 10 there); a small
    /// value reports the wake phrase sooner.
    /// </summary>
    public int ReportDelayFrames { get; set; } = 2;

    /// <summary>Checks the options.</summary>
    public ValidateOptionsResult Validate()
    {
        var failures = new List<string>();
        if (!(KeyphraseThreshold is > 0 and <= 1))
        {
            failures.Add($"{nameof(KeyphraseThreshold)} must be in (0, 1] (was {KeyphraseThreshold}).");
        }

        if (DecoderPoolSize is < 1 or > 64)
        {
            failures.Add($"{nameof(DecoderPoolSize)} must be between 1 and 64 (was {DecoderPoolSize}).");
        }

        if (ReportDelayFrames is < 1 or > 50)
        {
            failures.Add($"{nameof(ReportDelayFrames)} must be between 1 and 50 (was {ReportDelayFrames}).");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}

/// <summary>Validates <see cref="WakePhraseSpotterOptions"/> at start-up.</summary>
public sealed class WakePhraseSpotterOptionsValidator : IValidateOptions<WakePhraseSpotterOptions>
{
    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? name, WakePhraseSpotterOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return options.Validate();
    }
}
