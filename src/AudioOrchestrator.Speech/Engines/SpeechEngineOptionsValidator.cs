using Microsoft.Extensions.Options;

namespace AudioOrchestrator.Speech;

/// <summary>Checks at start-up that every engine a chain (default or a guild's) uses is configured.</summary>
public sealed class SpeechEngineOptionsValidator : IValidateOptions<SpeechEngineOptions>
{
    public ValidateOptionsResult Validate(string? name, SpeechEngineOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        var stt = options.SpeechToText.Chain().Concat(options.Guilds.Values.Select(g => g.SpeechToText).OfType<SpeechEngineKind>()).ToHashSet();
        var tts = options.TextToSpeech.Chain().Concat(options.Guilds.Values.Select(g => g.TextToSpeech).OfType<SpeechEngineKind>()).ToHashSet();

        if (tts.Contains(SpeechEngineKind.Whisper))
        {
            failures.Add("Whisper only transcribes: it cannot be a Speech:TextToSpeech engine.");
        }

        if (stt.Contains(SpeechEngineKind.Whisper) && string.IsNullOrWhiteSpace(options.Whisper.ModelPath))
        {
            failures.Add("Speech:Whisper:ModelPath is required when Whisper transcribes: download a ggml model (e.g. ggml-base.en.bin) and point it there.");
        }

        if (stt.Contains(SpeechEngineKind.OpenAI) || tts.Contains(SpeechEngineKind.OpenAI))
        {
            if (options.OpenAI.Endpoint is { } endpoint && !IsHttpUrl(endpoint))
            {
                failures.Add($"Speech:OpenAI:Endpoint '{endpoint}' is not an absolute http(s) URL (e.g. http://127.0.0.1:8000/v1).");
            }

            if (stt.Contains(SpeechEngineKind.OpenAI) && string.IsNullOrWhiteSpace(options.OpenAI.TranscriptionModel))
            {
                failures.Add("Speech:OpenAI:TranscriptionModel is required.");
            }

            if (tts.Contains(SpeechEngineKind.OpenAI) && string.IsNullOrWhiteSpace(options.OpenAI.SpeechModel))
            {
                failures.Add("Speech:OpenAI:SpeechModel is required.");
            }
        }

        if (stt.Contains(SpeechEngineKind.AzureOpenAI) || tts.Contains(SpeechEngineKind.AzureOpenAI))
        {
            if (!IsHttpUrl(options.AzureOpenAI.Endpoint))
            {
                failures.Add("Speech:AzureOpenAI:Endpoint must be the resource's absolute URL (e.g. https://my-resource.openai.azure.com/).");
            }

            if (stt.Contains(SpeechEngineKind.AzureOpenAI) && string.IsNullOrWhiteSpace(options.AzureOpenAI.TranscriptionDeployment))
            {
                failures.Add("Speech:AzureOpenAI:TranscriptionDeployment is required when Azure OpenAI transcribes.");
            }

            if (tts.Contains(SpeechEngineKind.AzureOpenAI) && string.IsNullOrWhiteSpace(options.AzureOpenAI.SpeechDeployment))
            {
                failures.Add("Speech:AzureOpenAI:SpeechDeployment is required when Azure OpenAI speaks.");
            }
        }

        foreach (var (guild, guildOptions) in options.Guilds)
        {
            if (!ulong.TryParse(guild, out _))
            {
                failures.Add($"Speech:Guilds:{guild}: a guild id is a number (a Discord snowflake).");
            }

            if (guildOptions.Language is { } language && !IsLanguage(language))
            {
                failures.Add($"Speech:Guilds:{guild}:Language '{language}' is not an ISO-639-1 code (e.g. en, de) or 'auto'.");
            }
        }

        if (options.SpeechToText.Language is { } defaultLanguage && !IsLanguage(defaultLanguage))
        {
            failures.Add($"Speech:SpeechToText:Language '{defaultLanguage}' is not an ISO-639-1 code (e.g. en, de) or 'auto'.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private static bool IsHttpUrl(string? value) =>
        Uri.TryCreate(value, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps);

    private static bool IsLanguage(string value) =>
        value == "auto" || (value.Length is 2 or 3 && value.All(char.IsAsciiLetterLower));
}
