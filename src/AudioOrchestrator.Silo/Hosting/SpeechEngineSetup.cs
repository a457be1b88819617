using AudioOrchestrator.Speech;

namespace AudioOrchestrator.Silo.Hosting;

/// <summary>Registers the embedded speech engines: pocketsphinx (speech-to-text, wake spotting) and espeak-ng (text-to-speech).</summary>
public static class SpeechEngineSetup
{
    public static IServiceCollection AddSpeechEngines(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        // The library registrations use TryAdd: a host (a test, a benchmark) may have registered other engines first.
        services.AddPocketSphinxSpeechToText().Bind(configuration.GetSection("Speech:PocketSphinx"));
        services.AddPocketSphinxWakePhraseSpotter().Bind(configuration.GetSection("Speech:WakeSpotting"));
        services.AddEspeakTextToSpeech().Bind(configuration.GetSection("Speech:Espeak"));
        return services;
    }
}
