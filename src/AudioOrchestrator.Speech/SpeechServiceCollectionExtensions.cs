using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace AudioOrchestrator.Speech;

/// <summary>Registers the speech clients as singletons with options validated at start-up.</summary>
public static class SpeechServiceCollectionExtensions
{
    /// <summary>
    /// Registers <see cref="PocketSphinxSpeechToTextClient"/> (also as <see cref="ISpeechToTextClient"/>).
    /// An <see cref="ISpeechVocabularySource"/> must be registered separately.
    /// </summary>
    public static OptionsBuilder<PocketSphinxOptions> AddPocketSphinxSpeechToText(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<PocketSphinxOptions>, PocketSphinxOptionsValidator>());
        services.TryAddSingleton<PocketSphinxSpeechToTextClient>();
        services.TryAddSingleton<ISpeechToTextClient>(sp => sp.GetRequiredService<PocketSphinxSpeechToTextClient>());
        return services.AddOptions<PocketSphinxOptions>().ValidateOnStart();
    }

    /// <summary>
    /// Registers <see cref="PocketSphinxWakePhraseSpotter"/> (also as <see cref="IWakePhraseSpotter"/>); it uses the acoustic
    /// model and dictionary of <see cref="PocketSphinxOptions"/> and the pronunciations of the <see cref="ISpeechVocabularySource"/>.
    /// </summary>
    public static OptionsBuilder<WakePhraseSpotterOptions> AddPocketSphinxWakePhraseSpotter(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<WakePhraseSpotterOptions>, WakePhraseSpotterOptionsValidator>());
        services.TryAddSingleton<PocketSphinxWakePhraseSpotter>();
        services.TryAddSingleton<IWakePhraseSpotter>(sp => sp.GetRequiredService<PocketSphinxWakePhraseSpotter>());
        return services.AddOptions<WakePhraseSpotterOptions>().ValidateOnStart();
    }

    /// <summary>
    /// Registers <see cref="SpeakerAdaptation"/> (speaker/channel enrolment) for the model that <see cref="PocketSphinxOptions"/>
    /// describes. Point <see cref="PocketSphinxOptions.AcousticModelPath"/> at the directory it produces.
    /// </summary>
    public static OptionsBuilder<SpeakerAdaptationOptions> AddSpeakerAdaptation(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<SpeakerAdaptationOptions>, SpeakerAdaptationOptionsValidator>());
        services.TryAddSingleton<SpeakerAdaptation>();
        return services.AddOptions<SpeakerAdaptationOptions>().ValidateOnStart();
    }

    /// <summary>Registers <see cref="EspeakTextToSpeechClient"/> (also as <see cref="ITextToSpeechClient"/>).</summary>
    public static OptionsBuilder<EspeakOptions> AddEspeakTextToSpeech(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<EspeakOptions>, EspeakOptionsValidator>());
        services.TryAddSingleton<EspeakTextToSpeechClient>();
        services.TryAddSingleton<ITextToSpeechClient>(sp => sp.GetRequiredService<EspeakTextToSpeechClient>());
        return services.AddOptions<EspeakOptions>().ValidateOnStart();
    }

    /// <summary>
    /// Registers <see cref="ILanguageModels"/> (the chat models behind the agents) from the <c>Llm</c> section, validated
    /// at start-up. With <c>Llm:Provider=None</c> (the default) no model is used.
    /// </summary>
    public static OptionsBuilder<LlmOptions> AddLanguageModels(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<LlmOptions>, LlmOptionsValidator>());
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<ILanguageModels, LanguageModels>();
        return services.AddOptions<LlmOptions>().ValidateDataAnnotations().ValidateOnStart();
    }
}
