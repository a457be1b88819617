using AudioOrchestrator.Contracts;
using Orleans.Concurrency;

namespace AudioOrchestrator.Grains.Agents;

/// <summary>Free conversation with the language model; answers what no phrase and no other intent takes.</summary>
[StatelessWorker(1, removeIdleWorkers: false)]
[Agent(ConversationAgent.Name, Description = "Talks with you about anything.", IsFallback = true, UsesLanguageModel = true)]
public sealed class ConversationAgentGrain(ConversationAgent agent) : Grain, IAgentGrain
{
    public IAsyncEnumerable<AgentUpdate> RespondAsync(AgentRequest request, CancellationToken cancellationToken = default) =>
        agent.RespondAsync(request, cancellationToken);
}
