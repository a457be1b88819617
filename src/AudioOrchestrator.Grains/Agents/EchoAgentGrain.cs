using AudioOrchestrator.Contracts;
using Orleans.Concurrency;

namespace AudioOrchestrator.Grains.Agents;

/// <summary>Repeats what follows "echo": "echo hello world" answers "hello world".</summary>
[StatelessWorker]
[Agent("echo", "echo {text}", "repeat {text}", "say {text}", Description = "Repeats what you say after \"echo\".")]
public sealed class EchoAgentGrain : Grain, IAgentGrain
{
    public Task<AgentReply> RespondAsync(AgentRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        return Task.FromResult(new AgentReply(request.Slots.TryGetValue("text", out var text) ? text : request.Text));
    }
}
