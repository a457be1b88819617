using System.Globalization;
using AudioOrchestrator.Contracts;
using Orleans.Concurrency;

namespace AudioOrchestrator.Grains.Agents;

/// <summary>Tells the time in UTC.</summary>
[StatelessWorker]
[Agent("time", "what time is it", "what is the time", "tell me the time", "time", Description = "Tells the current time.")]
public sealed class TimeAgentGrain(TimeProvider clock) : Grain, IAgentGrain
{
    public Task<AgentReply> RespondAsync(AgentRequest request, CancellationToken cancellationToken = default)
    {
        var now = clock.GetUtcNow();
        var spoken = now.ToString("h:mm tt", CultureInfo.InvariantCulture);
        return Task.FromResult(new AgentReply($"It is {spoken} UTC."));
    }
}
