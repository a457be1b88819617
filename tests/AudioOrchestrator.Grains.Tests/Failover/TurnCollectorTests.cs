using AudioOrchestrator.Contracts;
using AudioOrchestrator.Ingress.Uploads;

namespace AudioOrchestrator.Grains.Tests.Failover;

/// <summary>An upload's events: complete once every turn its input started finished; an input end told twice or cut is understood.</summary>
public sealed class TurnCollectorTests
{
    private const string Upload = "upload-1";

    [Fact]
    public async Task An_input_end_told_again_with_no_turns_does_not_complete_the_upload_early()
    {
        // The input end was published again (its first publish got no answer in time): the speaker, which had already
        // closed the input, reports no turns the second time.
        var collector = new TurnCollector(Upload);
        await collector.OnEventAsync(new InputCompleted("rest", 1) { CorrelationId = Upload });
        await collector.OnEventAsync(new InputCompleted("rest", 0) { CorrelationId = Upload });
        Assert.False(collector.Completion.IsCompleted);

        await collector.OnEventAsync(new TurnFailed("turn-1", "no agent") { CorrelationId = Upload });
        Assert.True(collector.Completion.IsCompleted);
        Assert.False(collector.InputCut);
    }

    [Fact]
    public async Task A_cut_input_completes_the_upload_and_says_so()
    {
        var collector = new TurnCollector(Upload);
        await collector.OnEventAsync(new InputCompleted("rest", 0, Cut: true) { CorrelationId = Upload });
        Assert.True(collector.Completion.IsCompleted);
        Assert.True(collector.InputCut);
    }
}
