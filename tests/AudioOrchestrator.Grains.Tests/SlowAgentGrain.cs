using AudioOrchestrator.Contracts;
using Orleans.Concurrency;

namespace AudioOrchestrator.Grains.Tests;

/// <summary>
/// An agent that lives only in the test assembly: proves agents are discovered without registration, and
/// lets tests exceed the agent timeout.
/// </summary>
[StatelessWorker]
[Agent("slow", "slow {text}", Description = "Answers too late.")]
public sealed class SlowAgentGrain : Grain, IAgentGrain
{
    public async Task<AgentReply> RespondAsync(AgentRequest request, CancellationToken cancellationToken = default)
    {
        await Task.Delay(TimeSpan.FromSeconds(3), CancellationToken.None);
        return new AgentReply("too late");
    }
}
