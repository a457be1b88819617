using AudioOrchestrator.Audio;
using AudioOrchestrator.Grains.Agents;
using AudioOrchestrator.Grains.BargeIn;
using AudioOrchestrator.Grains.Conversations;
using AudioOrchestrator.Grains.Guardrails;
using AudioOrchestrator.Grains.Listening;
using AudioOrchestrator.Grains.Routing;
using AudioOrchestrator.Grains.Speakers;
using AudioOrchestrator.Grains.Synthesis;
using AudioOrchestrator.Grains.Tools;
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
        services.AddOptions<Retention.SessionRetentionOptions>().Bind(configuration.GetSection(Retention.SessionRetentionOptions.SectionName)).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<IntentOptions>().Bind(configuration.GetSection(IntentOptions.SectionName)).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<ToolOptions>().Bind(configuration.GetSection(ToolOptions.SectionName)).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<McpOptions>().Bind(configuration.GetSection(McpOptions.SectionName)).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<IValidateOptions<McpOptions>, McpOptionsValidator>();
        services.AddOptions<PrivacyOptions>().Bind(configuration.GetSection(PrivacyOptions.SectionName));
        services.AddGuildOverridable<GuardrailOptions>(configuration.GetSection(GuardrailOptions.SectionName), (section, o) =>
        {
            var topics = section.GetSection(nameof(GuardrailOptions.BlockedTopics)).GetChildren().Select(c => c.Value ?? "").ToArray();
            if (topics.Length > 0)
            {
                o.BlockedTopics = topics;
            }
        });
        services.TryAddSingleton(_ => new SecretValues(SecretValuesIn(configuration)));
        services.AddLanguageModels().Bind(configuration.GetSection(LlmOptions.SectionName));
        services.AddGuildOverridable<SpeakerOptions>(configuration.GetSection(SpeakerOptions.SectionName));
        services.AddGuildOverridable<WakeWordOptions>(configuration.GetSection(WakeWordOptions.SectionName), ApplyWakeSection);
        services.AddGuildOverridable<BargeInOptions>(configuration.GetSection(BargeInOptions.SectionName));
        services.TryAddSingleton(typeof(GuildOptions<>));
        services.TryAddSingleton<ListeningSettingsResolver>();
        services.AddSingleton<IValidateOptions<WakeWordOptions>, WakeWordOptionsValidator>();
        services.AddOptions<SynthesisOptions>().Bind(configuration.GetSection(SynthesisOptions.SectionName)).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<IValidateOptions<SpeakerOptions>, SpeakerOptionsValidator>();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<AgentCatalog>();
        services.TryAddSingleton(sp => ConfiguredWakePhrases.From(
            sp.GetRequiredService<IOptionsMonitor<WakeWordOptions>>(), sp.GetRequiredService<GuildOverrideSet<WakeWordOptions>>()));
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
        services.TryAddSingleton<IModerationHook, BlockedTopicsModeration>();
        services.TryAddSingleton<BuiltInTools>();
        services.TryAddSingleton<McpToolCatalog>();
        services.AddHostedService(sp => sp.GetRequiredService<McpToolCatalog>());
        services.TryAddSingleton<IAgentToolbox, AgentToolbox>();
        services.TryAddSingleton<TurnServices>();
        services.AddHostedService<AgentStartupCheck>();
        services.TryAddSingleton<ISpeechVocabularySource, AgentVocabularySource>();
        services.TryAddSingleton<PipelineMetrics>();
        services.TryAddSingleton<VoiceActivityDetectors>();
        services.TryAddSingleton(sp => new SileroVadModel(sp.GetRequiredService<IOptions<SpeakerOptions>>().Value.Silero));
        return services;
    }

    /// <summary>
    /// Configuration values that must never reach a model or a log: every key named like a token, key, secret or
    /// password (e.g. <c>Discord:Token</c>, <c>Llm:ApiKey</c>, <c>Llm:Fallbacks:0:ApiKey</c>) and every MCP server header.
    /// </summary>
    internal static IEnumerable<string?> SecretValuesIn(IConfiguration configuration) =>
        configuration.AsEnumerable()
            .Where(pair => pair.Value is { Length: > 0 }
                && (System.Text.RegularExpressions.Regex.IsMatch(pair.Key, @"(token|apikey|api_key|secret|password|connectionstring)$", System.Text.RegularExpressions.RegexOptions.IgnoreCase)
                    || pair.Key.Contains(":Headers:", StringComparison.OrdinalIgnoreCase)))
            .Select(pair => pair.Value);

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
        problems.AddRange(options.Decoding.Validate().Select(p => $"FrontEnd: {p}"));
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

/// <summary>Checks that every MCP server names either a program (stdio) or an http(s) URL.</summary>
internal sealed class McpOptionsValidator : IValidateOptions<McpOptions>
{
    public ValidateOptionsResult Validate(string? name, McpOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var problems = new List<string>();
        foreach (var (server, settings) in options.Servers)
        {
            var hasCommand = !string.IsNullOrWhiteSpace(settings.Command);
            var hasUrl = !string.IsNullOrWhiteSpace(settings.Url);
            if (hasCommand == hasUrl)
            {
                problems.Add($"Mcp:Servers:{server} needs either Command (stdio) or Url (streamable HTTP), not both or neither.");
            }
            else if (hasUrl && (!Uri.TryCreate(settings.Url, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https")))
            {
                problems.Add($"Mcp:Servers:{server}:Url '{settings.Url}' is not an http(s) URL.");
            }

            if (settings.CallTimeout is { } timeout && timeout <= TimeSpan.Zero)
            {
                problems.Add($"Mcp:Servers:{server}:CallTimeout must be positive.");
            }
        }

        return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
    }
}
