using AudioOrchestrator.Contracts;
using AudioOrchestrator.Grains.Tools;
using AudioOrchestrator.Testing;
using Orleans.Runtime;

namespace AudioOrchestrator.Grains.Tests.Conversations;

/// <summary>
/// A prepared turn's commit decision lives only as long as a tool of that turn could ask for it
/// (<c>Conversation:AgentTimeout</c>, 0.5 s in the pipeline cluster), not for Orleans' 15-minute idle collection: a silo
/// answering ahead activates one per prepared turn.
/// </summary>
public sealed class TurnCommitGrainTests(PipelineCluster fixture) : IClassFixture<PipelineCluster>
{
    private ITurnCommitGrain Turn(string id) => fixture.Client.GetGrain<ITurnCommitGrain>(id);

    private async Task<int> ActivationsAsync()
    {
        var statistics = await fixture.Client.GetGrain<IManagementGrain>(0).GetSimpleGrainStatistics();
        return statistics.Where(s => s.GrainType.Contains(nameof(TurnCommitGrain), StringComparison.OrdinalIgnoreCase)).Sum(s => s.ActivationCount);
    }

    [Fact]
    public async Task A_decided_turns_activation_goes_away_on_its_own()
    {
        await Turn(Guid.NewGuid().ToString("N")).DecideAsync(true);

        await TestWait.UntilAsync(async () => await ActivationsAsync() == 0, "the decided turn's activation to go away", TimeSpan.FromSeconds(60));
    }

    [Fact]
    public async Task A_turn_never_decided_is_not_committed_once_its_agent_time_is_over()
    {
        var waiting = Turn(Guid.NewGuid().ToString("N")).WaitAsync();

        Assert.False(await waiting.WaitAsync(TimeSpan.FromSeconds(60), TestContext.Current.CancellationToken));
        await TestWait.UntilAsync(async () => await ActivationsAsync() == 0, "the undecided turn's activation to go away", TimeSpan.FromSeconds(60));
    }
}
