using System.Runtime.CompilerServices;
using AudioOrchestrator.Contracts;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Concurrency;

namespace AudioOrchestrator.Grains.Tests.Conversations;

/// <summary>An agent of the test assembly that answers only when its silo's <see cref="AgentGate"/> opens (at once without one).</summary>
[StatelessWorker(1, removeIdleWorkers: false)]
[Agent("held", "held {text}", Description = "Answers when the test lets it.")]
public sealed class HeldAgentGrain(IServiceProvider services) : Grain, IAgentGrain
{
    public async IAsyncEnumerable<AgentUpdate> RespondAsync(AgentRequest request, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        if (services.GetService<AgentGate>() is { } gate)
        {
            await gate.PassAsync(cancellationToken);
        }

        yield return new AgentUpdate("held answer.");
    }
}

/// <summary>Holds <see cref="HeldAgentGrain"/>'s answers until <see cref="Open"/>.</summary>
public sealed class AgentGate
{
    private readonly TaskCompletionSource _entered = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _open = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completes when an answer reached the gate.</summary>
    public Task Entered => _entered.Task;

    public void Open() => _open.TrySetResult();

    public async Task PassAsync(CancellationToken cancellationToken)
    {
        _entered.TrySetResult();
        await _open.Task.WaitAsync(cancellationToken);
    }
}
