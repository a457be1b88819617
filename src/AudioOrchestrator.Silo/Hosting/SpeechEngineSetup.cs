using AudioOrchestrator.Speech;

namespace AudioOrchestrator.Silo.Hosting;

/// <summary>Registers the speech-to-text and text-to-speech clients chosen by <see cref="SpeechEngineOptions"/>.</summary>
public static class SpeechEngineSetup
{
    public static IServiceCollection AddSpeechEngines(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddOptions<SpeechEngineOptions>().Bind(configuration.GetSection(SpeechEngineOptions.SectionName)).ValidateDataAnnotations().ValidateOnStart();

        // The library registrations use TryAdd: a host (a test, a benchmark) may have registered other engines first.
        services.AddPocketSphinxSpeechToText().Bind(configuration.GetSection("Speech:PocketSphinx"));
        services.AddPocketSphinxWakePhraseSpotter().Bind(configuration.GetSection("Speech:WakeSpotting"));
        services.AddEspeakTextToSpeech().Bind(configuration.GetSection("Speech:Espeak"));
        return services;
    }
}
