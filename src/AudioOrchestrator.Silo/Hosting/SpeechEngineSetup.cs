using AudioOrchestrator.Speech;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace AudioOrchestrator.Silo.Hosting;

/// <summary>Registers the speech-to-text and text-to-speech clients chosen by <see cref="SpeechEngineOptions"/>.</summary>
public static class SpeechEngineSetup
{
    public static IServiceCollection AddSpeechEngines(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddOptions<SpeechEngineOptions>().Bind(configuration.GetSection(SpeechEngineOptions.SectionName)).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<PocketSphinxOptions>().Bind(configuration.GetSection("Speech:PocketSphinx")).ValidateOnStart();
        services.AddOptions<EspeakOptions>().Bind(configuration.GetSection("Speech:Espeak")).ValidateOnStart();
        services.AddSingleton<PocketSphinxSpeechToTextClient>();
        services.AddSingleton<EspeakTextToSpeechClient>();
        // TryAdd: a host (a test, a benchmark) may have registered other engines first.
        services.TryAddSingleton<ISpeechToTextClient>(sp => sp.GetRequiredService<PocketSphinxSpeechToTextClient>());
        services.TryAddSingleton<ITextToSpeechClient>(sp => sp.GetRequiredService<EspeakTextToSpeechClient>());
        return services;
    }
}
