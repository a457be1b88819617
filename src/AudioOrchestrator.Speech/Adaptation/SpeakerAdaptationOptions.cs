using Microsoft.Extensions.Options;

namespace AudioOrchestrator.Speech;

/// <summary>Where <see cref="SpeakerAdaptation"/> finds the CMUSphinx training tools and how hard it adapts.</summary>
public sealed class SpeakerAdaptationOptions
{
    /// <summary>Directory of <c>bw</c> and <c>map_adapt</c> (Debian package <c>sphinxtrain</c>).</summary>
    public string SphinxTrainDirectory { get; set; } = "/usr/lib/sphinxtrain";

    /// <summary>The feature extractor <c>sphinx_fe</c> (Debian package <c>sphinxbase-utils</c>); a bare name is looked up on PATH.</summary>
    public string FeatureExtractorPath { get; set; } = "sphinx_fe";

    /// <summary>The model-definition converter <c>pocketsphinx_mdef_convert</c> (Debian package <c>pocketsphinx</c>).</summary>
    public string ModelDefinitionConverterPath { get; set; } = "pocketsphinx_mdef_convert";

    /// <summary>
    /// Rounds of alignment (Baum-Welch counts) and MAP re-estimation. Each round aligns with the previous round's model;
    /// the prior is always the base model. Measured on synthetic speech: one round already gives the full gain.
    /// </summary>
    public int Iterations { get; set; } = 1;

    /// <summary>Checks the options (not whether the tools exist; that is reported when they are run).</summary>
    public ValidateOptionsResult Validate()
    {
        var failures = new List<string>();
        if (string.IsNullOrWhiteSpace(SphinxTrainDirectory))
        {
            failures.Add($"{nameof(SphinxTrainDirectory)} must be set.");
        }

        if (string.IsNullOrWhiteSpace(FeatureExtractorPath))
        {
            failures.Add($"{nameof(FeatureExtractorPath)} must be set.");
        }

        if (string.IsNullOrWhiteSpace(ModelDefinitionConverterPath))
        {
            failures.Add($"{nameof(ModelDefinitionConverterPath)} must be set.");
        }

        if (Iterations is < 1 or > 10)
        {
            failures.Add($"{nameof(Iterations)} must be between 1 and 10 (was {Iterations}).");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}

/// <summary>Validates <see cref="SpeakerAdaptationOptions"/> at start-up.</summary>
public sealed class SpeakerAdaptationOptionsValidator : IValidateOptions<SpeakerAdaptationOptions>
{
    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? name, SpeakerAdaptationOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return options.Validate();
    }
}
