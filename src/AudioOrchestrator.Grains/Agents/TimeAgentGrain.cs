using System.Globalization;
using AudioOrchestrator.Contracts;
using Orleans.Concurrency;

namespace AudioOrchestrator.Grains.Agents;

/// <summary>Tells the time in UTC.</summary>
[StatelessWorker(1, removeIdleWorkers: false)]
[Agent("time", "what time is it", "what is the time", "tell me the time", "time", Description = "Tells the current time.", Keywords = ["clock", "hour"])]
public sealed class TimeAgentGrain(TimeProvider clock) : Grain, IAgentGrain
{
    public IAsyncEnumerable<AgentUpdate> RespondAsync(AgentRequest request, CancellationToken cancellationToken = default) =>
        AgentAnswers.Say($"It is {clock.GetUtcNow().ToString("h:mm tt", CultureInfo.InvariantCulture)} UTC.");
}
