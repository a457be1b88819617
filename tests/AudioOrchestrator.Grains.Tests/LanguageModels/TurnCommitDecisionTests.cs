using AudioOrchestrator.Contracts;

namespace AudioOrchestrator.Grains.Tests.LanguageModels;

/// <summary>
/// What a tool waiting on a prepared turn is told, in the cluster whose turns have the default 30 s of agent time (the
/// commit grain's lifetime; its going away is in <c>TurnCommitGrainTests</c>).
/// </summary>
[Collection(LlmCollection.Name)]
public sealed class TurnCommitDecisionTests(LlmCluster fixture)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task The_first_decision_answers_the_waiters_before_and_after_it()
    {
        var turn = fixture.Client.GetGrain<ITurnCommitGrain>(Guid.NewGuid().ToString("N"));
        var early = turn.WaitAsync();

        await turn.DecideAsync(true);
        await turn.DecideAsync(false);

        Assert.True(await early.WaitAsync(TimeSpan.FromSeconds(20), Ct));
        Assert.True(await turn.WaitAsync().WaitAsync(TimeSpan.FromSeconds(20), Ct));
    }
}
