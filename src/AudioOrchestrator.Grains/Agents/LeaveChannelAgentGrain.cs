using AudioOrchestrator.Contracts;
using Orleans.Concurrency;

namespace AudioOrchestrator.Grains.Agents;

/// <summary>Says goodbye and asks the transport to leave the voice channel once the goodbye has been played.</summary>
[StatelessWorker(1, removeIdleWorkers: false)]
[Agent("leave", "leave the channel", "leave the voice channel", "leave voice", "please leave",
    Description = "Leaves the voice channel.", Keywords = ["leave", "disconnect"])]
public sealed class LeaveChannelAgentGrain : Grain, IAgentGrain
{
    public IAsyncEnumerable<AgentUpdate> RespondAsync(AgentRequest request, CancellationToken cancellationToken = default) =>
        request?.GuildId is null
            ? AgentAnswers.Say("There is no voice channel to leave here.")
            : AgentAnswers.SayAndDo("Goodbye.", new AgentAction(AgentAction.LeaveVoiceChannel));
}
