using AudioOrchestrator.Contracts;
using AudioOrchestrator.Grains.Conversations;
using AudioOrchestrator.Ingress.Streams;
using AudioOrchestrator.Ingress.Text;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Orleans.Storage;

namespace AudioOrchestrator.Grains.Tests.Conversations;

/// <summary>
/// Another activation of the session wrote its row (as happens around a silo's death or a rolling restart): this
/// activation's next write finds the etag moved on. The session must go on answering and keep both sides' turns (it
/// used to fail every later write and answer nothing until deactivated).
/// </summary>
public sealed class StaleSessionWriteTests(PipelineCluster fixture) : IClassFixture<PipelineCluster>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_write_behind_another_activations_keeps_answering_and_keeps_every_turn()
    {
        var session = "stale-" + Guid.NewGuid().ToString("N")[..12];
        var sender = new TextTurnSender(fixture.Client, fixture.ClientServices.GetRequiredService<SessionOutputHub>(), TimeProvider.System, NullLogger<TextTurnSender>.Instance);
        Assert.Equal("first", await AnswerAsync(sender, session, "echo first", "c-1"));

        // The other activation: reads the row, records a turn of its own and writes it (the etag moves on).
        var storage = fixture.Cluster.Silos[0].ServiceProvider.GetRequiredKeyedService<IGrainStorage>(StorageNames.Sessions);
        var grainId = fixture.Client.GetGrain<IConversationGrain>(session).GetGrainId();
        var row = new GrainState<SessionState>(new SessionState());
        await storage.ReadStateAsync("session", grainId, row);
        var theirs = new ConversationTurn("other-activation-turn", "bo", "echo elsewhere", "echo", "elsewhere", DateTimeOffset.UtcNow, DateTimeOffset.UtcNow);
        row.State!.History.Add(theirs);
        await storage.WriteStateAsync("session", grainId, row);

        Assert.Equal("second", await AnswerAsync(sender, session, "echo second", "c-2"));
        Assert.Equal("third", await AnswerAsync(sender, session, "echo third", "c-3"));

        var stored = new GrainState<SessionState>(new SessionState());
        await storage.ReadStateAsync("session", grainId, stored);
        Assert.Equal(["echo first", "echo elsewhere", "echo second", "echo third"], stored.State!.History.Select(t => t.Transcript));
    }

    private static async Task<string?> AnswerAsync(TextTurnSender sender, string session, string text, string correlation)
    {
        SessionOutputEvent? last = null;
        await foreach (var item in sender.AskAsync(new TextQuestion(session, "ana", text, Speak: false, correlation), TimeSpan.FromSeconds(60), Ct))
        {
            last = item;
        }

        return (last as AnswerCompleted)?.ResponseText;
    }
}
