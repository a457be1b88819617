using AudioOrchestrator.Grains.Agents;
using AudioOrchestrator.Grains.Routing;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AudioOrchestrator.Grains.Conversations;

/// <summary>What every turn of every session uses (singletons).</summary>
public sealed record TurnServices(
    AgentRouter Router,
    IIntentClassifier Classifier,
    IAgentInvoker Agents,
    IOptions<ConversationOptions> Options,
    PipelineMetrics Metrics,
    TimeProvider Clock,
    ILogger<TurnPipeline> Logger);
