using AudioOrchestrator.Audio;
using AudioOrchestrator.Grains.Agents;
using AudioOrchestrator.Grains.BargeIn;
using AudioOrchestrator.Grains.Conversations;
using AudioOrchestrator.Grains.FrontEnd;
using AudioOrchestrator.Grains.Routing;
using AudioOrchestrator.Grains.Speakers;
using AudioOrchestrator.Grains.Synthesis;
using AudioOrchestrator.Grains.WakeWords;
using AudioOrchestrator.Speech;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace AudioOrchestrator.Grains;

public static class GrainServiceCollectionExtensions
{
    /// <summary>
    /// Registers what the grains need besides the speech engines: validated options, the agent catalog, router, intent
    /// classifier and agent invoker, the language models (<c>Llm</c>), the speech vocabulary built from the agents,
    /// and metrics.
    /// </summary>
    public static IServiceCollection AddAudioOrchestratorGrains(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddOptions<ConversationOptions>().Bind(configuration.GetSection(ConversationOptions.SectionName)).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<SummaryOptions>().Bind(configuration.GetSection(SummaryOptions.SectionName)).Configure(o =>
        {
            // A configured list replaces the default (binding would append to it).
            var phrases = configuration.GetSection($"{SummaryOptions.SectionName}:{nameof(SummaryOptions.TriggerPhrases)}").GetChildren().Select(c => c.Value ?? "").ToArray();
            if (phrases.Length > 0)
            {
                o.TriggerPhrases = phrases;
            }
        }).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<IntentOptions>().Bind(configuration.GetSection(IntentOptions.SectionName)).ValidateDataAnnotations().ValidateOnStart();
        services.AddLanguageModels().Bind(configuration.GetSection(LlmOptions.SectionName));
        services.AddGuildOverridable<SpeakerOptions>(configuration.GetSection(SpeakerOptions.SectionName));
        services.AddGuildOverridable<WakeWordOptions>(configuration.GetSection(WakeWordOptions.SectionName), ApplyWakeSection);
        services.AddGuildOverridable<BargeInOptions>(configuration.GetSection(BargeInOptions.SectionName));
        services.TryAddSingleton(typeof(GuildOptions<>));
        services.TryAddSingleton<FrontEndSettingsResolver>();
        services.AddSingleton<IValidateOptions<WakeWordOptions>, WakeWordOptionsValidator>();
        services.AddOptions<SynthesisOptions>().Bind(configuration.GetSection(SynthesisOptions.SectionName)).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<IValidateOptions<SpeakerOptions>, SpeakerOptionsValidator>();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<AgentCatalog>();
        services.TryAddSingleton<AgentRouter>();
        services.TryAddSingleton<IntentClasses>();
        services.TryAddSingleton<KeywordIntentClassifier>();
        services.TryAddSingleton<IIntentClassifier>(sp => sp.GetRequiredService<ILanguageModels>().GetChatClient(ModelIntentClassifier.ModelName) is { } chat
            ? ActivatorUtilities.CreateInstance<ModelIntentClassifier>(sp, chat)
            : sp.GetRequiredService<KeywordIntentClassifier>());
        services.TryAddSingleton<IAgentInvoker, GrainAgentInvoker>();
        services.TryAddSingleton<ConversationAgent>();
        services.TryAddSingleton<SummarizationAgent>();
        services.TryAddSingleton<RunningSummary>();
        services.TryAddSingleton<TurnServices>();
        services.AddHostedService<AgentStartupCheck>();
        services.TryAddSingleton<ISpeechVocabularySource, AgentVocabularySource>();
        services.TryAddSingleton<PipelineMetrics>();
        services.TryAddSingleton<VoiceActivityDetectors>();
        services.TryAddSingleton(sp => new SileroVadModel(sp.GetRequiredService<IOptions<SpeakerOptions>>().Value.Silero));
        return services;
    }

    /// <summary>
    /// A configured phrase list replaces the default (binding would append to it); inside a guild override, <c>Mode</c>
    /// is that guild's mode.
    /// </summary>
    private static void ApplyWakeSection(IConfigurationSection section, WakeWordOptions options)
    {
        var phrases = section.GetSection(nameof(WakeWordOptions.Phrases));
        if (phrases.GetChildren().Any())
        {
            options.Phrases = phrases.GetChildren().Select(p => p.Value ?? "").ToArray();
        }

        if (section.Path.Contains($":{GuildOverrides.GuildsKey}:", StringComparison.Ordinal) && section[nameof(WakeWordOptions.Mode)] is not null)
        {
            options.DiscordMode = options.Mode;
        }
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

/// <summary>Checks that every wake phrase has words.</summary>
internal sealed class WakeWordOptionsValidator : IValidateOptions<WakeWordOptions>
{
    public ValidateOptionsResult Validate(string? name, WakeWordOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var empty = options.Phrases.Where(p => TextNormalizer.Words(p ?? "").Count == 0).ToArray();
        return empty.Length == 0 && options.Phrases.Length > 0
            ? ValidateOptionsResult.Success
            : ValidateOptionsResult.Fail($"{WakeWordOptions.SectionName} ({name}): every wake phrase needs at least one word, and at least one phrase is needed.");
    }
}
