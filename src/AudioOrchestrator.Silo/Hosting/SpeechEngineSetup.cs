using AudioOrchestrator.Speech;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace AudioOrchestrator.Silo.Hosting;

/// <summary>
/// Registers the speech engines: the embedded ones (pocketsphinx speech-to-text and wake spotting, espeak-ng
/// text-to-speech), Whisper, the cloud engines, and the chains of <c>Speech:SpeechToText</c> / <c>Speech:TextToSpeech</c>
/// as the default <see cref="ISpeechToTextClient"/> / <see cref="ITextToSpeechClient"/>.
/// </summary>
public static class SpeechEngineSetup
{
    public static IServiceCollection AddSpeechEngines(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var speech = configuration.GetSection(SpeechEngineOptions.SectionName);
        services.AddOptions<SpeechEngineOptions>()
            .Bind(speech)
            .PostConfigure(options =>
            {
                // "Speech:SpeechToText": "OpenAI" names the engine; the section may also hold Fallback and the rest.
                options.SpeechToText.Engine = EngineNamed(speech, "SpeechToText") ?? options.SpeechToText.Engine;
                options.TextToSpeech.Engine = EngineNamed(speech, "TextToSpeech") ?? options.TextToSpeech.Engine;
            })
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<SpeechEngineOptions>, SpeechEngineOptionsValidator>());
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<SpeechEngines>();
        services.TryAddSingleton<IGuildSpeechEngines>(sp => sp.GetRequiredService<SpeechEngines>());
        services.TryAddSingleton<WhisperSpeechToTextClient>();

        // The library registrations use TryAdd: a host (a test, a benchmark) may have registered other engines first.
        services.TryAddSingleton<ISpeechToTextClient>(sp => sp.GetRequiredService<SpeechEngines>().SpeechToText(null));
        services.TryAddSingleton<ITextToSpeechClient>(sp => sp.GetRequiredService<SpeechEngines>().TextToSpeech(null));
        services.TryAddKeyedSingleton<ISpeechToTextClient>(SpeechEngineKind.Embedded, (sp, _) => sp.GetRequiredService<PocketSphinxSpeechToTextClient>());
        services.TryAddKeyedSingleton<ITextToSpeechClient>(SpeechEngineKind.Embedded, (sp, _) => sp.GetRequiredService<EspeakTextToSpeechClient>());
        services.AddPocketSphinxSpeechToText().Bind(configuration.GetSection("Speech:PocketSphinx"));
        services.AddPocketSphinxWakePhraseSpotter().Bind(configuration.GetSection("Speech:WakeSpotting"));
        services.AddEspeakTextToSpeech().Bind(configuration.GetSection("Speech:Espeak"));
        return services;
    }

    private static SpeechEngineKind? EngineNamed(IConfigurationSection speech, string stage)
    {
        var value = speech[stage] ?? speech[stage + ":Engine"];
        if (string.IsNullOrWhiteSpace(value))
        {
            return null;
        }

        return Enum.TryParse<SpeechEngineKind>(value, ignoreCase: true, out var kind) && Enum.IsDefined(kind)
            ? kind
            : throw new OptionsValidationException(SpeechEngineOptions.SectionName, typeof(SpeechEngineOptions),
                [$"Speech:{stage} is '{value}'; use one of {string.Join(", ", Enum.GetNames<SpeechEngineKind>())}."]);
    }
}
