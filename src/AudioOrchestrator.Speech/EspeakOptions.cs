using Microsoft.Extensions.Options;

namespace AudioOrchestrator.Speech;

/// <summary>Configuration of <see cref="EspeakTextToSpeechClient"/>.</summary>
public sealed class EspeakOptions
{
    /// <summary>espeak-ng voice name (e.g. <c>en-us</c>, <c>en-gb</c>, <c>de</c>).</summary>
    public string Voice { get; set; } = "en-us";

    /// <summary>Speaking rate in words per minute (espeak accepts 80..450).</summary>
    public int RateWordsPerMinute { get; set; } = 175;

    /// <summary>Directory that contains <c>espeak-ng-data</c>; <see langword="null"/> uses the library default.</summary>
    public string? DataPath { get; set; }

    /// <summary>Checks the options.</summary>
    public ValidateOptionsResult Validate()
    {
        var failures = new List<string>();
        if (string.IsNullOrWhiteSpace(Voice))
        {
            failures.Add($"{nameof(Voice)} must be set.");
        }

        if (RateWordsPerMinute is < Native.EspeakNative.MinimumRate or > Native.EspeakNative.MaximumRate)
        {
            failures.Add($"{nameof(RateWordsPerMinute)} must be between {Native.EspeakNative.MinimumRate} and {Native.EspeakNative.MaximumRate} (was {RateWordsPerMinute}).");
        }

        if (DataPath is not null && !Directory.Exists(DataPath))
        {
            failures.Add($"{nameof(DataPath)} '{DataPath}' does not exist.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}

/// <summary>Validates <see cref="EspeakOptions"/> at start-up.</summary>
public sealed class EspeakOptionsValidator : IValidateOptions<EspeakOptions>
{
    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? name, EspeakOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return options.Validate();
    }
}
