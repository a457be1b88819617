using AudioOrchestrator.Contracts;
using Orleans.Concurrency;

namespace AudioOrchestrator.Grains.Agents;

/// <summary>Summarises the session's conversation (language model, or extractive without one).</summary>
[StatelessWorker(1, removeIdleWorkers: false)]
[Agent(SummarizationAgent.Name, "summarize our conversation", "summarize the conversation",
    "what did we talk about", "what have we talked about", "summary", "summarize",
    Description = "Summarizes our conversation.", UsesLanguageModel = true, Keywords = ["summary", "summarize", "summarise", "recap", "talked", "discussed"])]
public sealed class SummarizationAgentGrain(SummarizationAgent agent) : Grain, IAgentGrain
{
    public IAsyncEnumerable<AgentUpdate> RespondAsync(AgentRequest request, CancellationToken cancellationToken = default) =>
        agent.RespondAsync(request, cancellationToken);
}
