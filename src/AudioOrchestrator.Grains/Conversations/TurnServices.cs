using AudioOrchestrator.Grains.Agents;
using AudioOrchestrator.Grains.Guardrails;
using AudioOrchestrator.Grains.Listening;
using AudioOrchestrator.Grains.Routing;
using AudioOrchestrator.Grains.Tools;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AudioOrchestrator.Grains.Conversations;

/// <summary>What every turn of every session uses (singletons).</summary>
public sealed record TurnServices(
    AgentRouter Router,
    IIntentClassifier Classifier,
    IAgentInvoker Agents,
    IOptions<ConversationOptions> Options,
    GuildOptions<GuardrailOptions> Guardrails,
    IModerationHook Moderation,
    IOptions<ToolOptions> Tools,
    IOptions<PrivacyOptions> Privacy,
    PipelineMetrics Metrics,
    TimeProvider Clock,
    ILogger<TurnPipeline> Logger);
