using AudioOrchestrator.Contracts;
using AudioOrchestrator.Ingress.Streams;
using AudioOrchestrator.Ingress.Uploads;
using AudioOrchestrator.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace AudioOrchestrator.Grains.Tests.Conversations;

/// <summary>
/// An upload heard to its end whose turn the session then stops answering: the activation that had the turn died with
/// its silo (a new activation knows nothing of it), or the session was deleted meanwhile. The upload must end at once
/// with <see cref="TurnLostException"/> (503 <c>turn-lost</c>), not wait for <c>Ingress:TurnTimeout</c> (20 s here) for
/// answers that never come.
/// </summary>
public sealed class LostTurnTests(DeactivationDuringTurnTests.HeldAgentCluster fixture) : IClassFixture<DeactivationDuringTurnTests.HeldAgentCluster>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task An_upload_whose_turn_the_session_drops_ends_as_lost_well_before_the_turn_timeout()
    {
        var session = "lost-" + Guid.NewGuid().ToString("N")[..12];
        var heard = new TaskCompletionSource<InputCompleted>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var listening = await fixture.ClientServices.GetRequiredService<SessionOutputHub>().ListenAsync(session, item =>
        {
            if (item is InputCompleted input)
            {
                heard.TrySetResult(input);
            }

            return Task.CompletedTask;
        }, Ct);
        var uploads = fixture.ClientServices.GetRequiredService<UtteranceUploadProcessor>();
        var upload = uploads.ProcessAsync(session, "ana", TestAudio.Question(PipelineCluster.HeldHz), Ct);

        // The recording was heard (one turn) and its turn is with the session's agent, held there.
        var input = await heard.Task.WaitAsync(Ct);
        Assert.Equal(1, input.TurnCount);
        var gate = fixture.Cluster.Silos[0].ServiceProvider.GetRequiredService<AgentGate>();
        await gate.Entered.WaitAsync(Ct);
        var conversation = fixture.Client.GetGrain<IConversationGrain>(session);
        var correlationId = input.CorrelationId!;
        Assert.True(await conversation.IsAnsweringAsync(correlationId));

        // The session forgets the turn: it is never answered, and the session says so.
        var dropped = DateTimeOffset.UtcNow;
        await conversation.DeleteAsync();
        var lost = await Assert.ThrowsAsync<TurnLostException>(() => upload);
        Assert.False(await conversation.IsAnsweringAsync(correlationId));

        // Two probes 2 s apart (Ingress:AnswerProbePeriod), not the 20 s turn timeout.
        var waited = DateTimeOffset.UtcNow - dropped;
        Assert.True(waited < TimeSpan.FromSeconds(15), $"the lost turn was reported after {waited.TotalSeconds:F1} s: {lost.Message}");
    }

    [Fact]
    public async Task A_new_activation_works_on_no_upload()
    {
        var conversation = fixture.Client.GetGrain<IConversationGrain>("fresh-" + Guid.NewGuid().ToString("N")[..12]);
        Assert.False(await conversation.IsAnsweringAsync(Guid.NewGuid().ToString("N")));
        await Assert.ThrowsAsync<ArgumentException>(() => conversation.IsAnsweringAsync(""));
    }
}
