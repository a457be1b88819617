using AudioOrchestrator.Contracts;
using Orleans.Concurrency;

namespace AudioOrchestrator.Grains.Agents;

/// <summary>Repeats what follows "echo": "echo hello world" answers "hello world".</summary>
[StatelessWorker(1, removeIdleWorkers: false)]
[Agent("echo", "echo {text}", "repeat {text}", "say {text}", Description = "Repeats what you say after \"echo\".", Keywords = ["repeat", "parrot"])]
public sealed class EchoAgentGrain : Grain, IAgentGrain
{
    public IAsyncEnumerable<AgentUpdate> RespondAsync(AgentRequest request, CancellationToken cancellationToken = default) =>
        AgentAnswers.Say(request?.Slots.GetValueOrDefault("text") ?? request?.Text ?? "");
}
