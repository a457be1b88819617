using AudioOrchestrator.Audio;
using AudioOrchestrator.Grains.Routing;
using AudioOrchestrator.Grains.Speakers;
using AudioOrchestrator.Grains.Synthesis;
using AudioOrchestrator.Speech;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace AudioOrchestrator.Grains;

public static class GrainServiceCollectionExtensions
{
    /// <summary>
    /// Registers what the grains need besides the speech engines: validated options, the agent catalog
    /// and router, the speech vocabulary built from the agents, and metrics.
    /// </summary>
    public static IServiceCollection AddAudioOrchestratorGrains(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddOptions<ConversationOptions>().Bind(configuration.GetSection(ConversationOptions.SectionName)).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<SpeakerOptions>().Bind(configuration.GetSection(SpeakerOptions.SectionName)).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<SynthesisOptions>().Bind(configuration.GetSection(SynthesisOptions.SectionName)).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<IValidateOptions<SpeakerOptions>, SpeakerOptionsValidator>();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<AgentCatalog>();
        services.TryAddSingleton<AgentRouter>();
        services.TryAddSingleton<ISpeechVocabularySource, AgentVocabularySource>();
        services.TryAddSingleton<PipelineMetrics>();
        services.TryAddSingleton<VoiceActivityDetectors>();
        services.TryAddSingleton(sp => new SileroVadModel(sp.GetRequiredService<IOptions<SpeakerOptions>>().Value.Silero));
        return services;
    }
}

/// <summary>Checks the segmenter settings nested in <see cref="SpeakerOptions"/>.</summary>
internal sealed class SpeakerOptionsValidator : IValidateOptions<SpeakerOptions>
{
    public ValidateOptionsResult Validate(string? name, SpeakerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var problems = options.Segmenter.Validate().ToList();
        problems.AddRange(options.FrontEnd.Validate().Select(p => $"FrontEnd: {p}"));
        if (options.VoiceActivityDetector == VoiceActivityDetectors.Silero)
        {
            var silero = new SileroVadOptionsValidator().Validate(name, options.Silero);
            if (silero.Failed)
            {
                problems.AddRange(silero.Failures.Select(f => $"Silero: {f}"));
            }
        }

        return problems.Count == 0
            ? ValidateOptionsResult.Success
            : ValidateOptionsResult.Fail(problems.Select(p => $"{SpeakerOptions.SectionName}: {p}"));
    }
}
