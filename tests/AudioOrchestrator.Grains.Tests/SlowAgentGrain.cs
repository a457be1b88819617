using System.Runtime.CompilerServices;
using AudioOrchestrator.Contracts;
using Orleans.Concurrency;

namespace AudioOrchestrator.Grains.Tests;

/// <summary>
/// An agent that lives only in the test assembly: proves agents are discovered without registration, and
/// lets tests exceed the agent timeout (it ignores cancellation on purpose).
/// </summary>
[StatelessWorker(1, removeIdleWorkers: false)]
[Agent("slow", "slow {text}", Description = "Answers too late.")]
public sealed class SlowAgentGrain : Grain, IAgentGrain
{
    public async IAsyncEnumerable<AgentUpdate> RespondAsync(AgentRequest request, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await Task.Delay(TimeSpan.FromSeconds(3), CancellationToken.None);
        yield return new AgentUpdate("too late");
    }
}
