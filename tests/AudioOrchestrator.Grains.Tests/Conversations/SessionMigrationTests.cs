using System.Collections.Concurrent;
using AudioOrchestrator.Contracts;
using AudioOrchestrator.Grains.Tests.Speakers;
using AudioOrchestrator.Ingress.Streams;
using AudioOrchestrator.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace AudioOrchestrator.Grains.Tests.Conversations;

/// <summary>
/// A session that migrates to another silo (as Orleans moves a stopping silo's activations) brings the part of an
/// upload a speaker reported before it went away, so the upload's rest, reported to the new activation, completes it
/// whole instead of cut.
/// </summary>
public sealed class SessionMigrationTests(SpeakerMigrationTests.TwoSilos fixture) : IClassFixture<SpeakerMigrationTests.TwoSilos>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_migrated_session_completes_an_upload_whose_part_it_heard_before_it_moved()
    {
        var session = "partmove-" + Guid.NewGuid().ToString("N")[..12];
        var ana = new SpeakerRef(session, "ana");
        var completions = new ConcurrentQueue<InputCompleted>();
        await using var listening = await fixture.ClientServices.GetRequiredService<SessionOutputHub>().ListenAsync(session, item =>
        {
            if (item is InputCompleted input)
            {
                completions.Enqueue(input);
            }

            return Task.CompletedTask;
        }, Ct);
        var conversation = fixture.Client.GetGrain<IConversationGrain>(session);

        // The speaker that went away heard frames 0-91 (and the question in them); the next one heard 92-99, silence.
        await conversation.CompleteInputAsync(new InputCompletion(ana, "upload-1", 1, Cut: false, new HeardFrames(0, 92, Speech: true), Partial: true));
        await fixture.MigrateAsync(conversation, () => conversation.GetProfileAsync(), Ct);
        await conversation.CompleteInputAsync(new InputCompletion(ana, "upload-1", 0, Cut: true, new HeardFrames(92, 100, Speech: false)));

        await TestWait.UntilAsync(() => !completions.IsEmpty, "the upload's completion");
        var completed = Assert.Single(completions);
        Assert.Equal(("upload-1", 1, false), (completed.CorrelationId, completed.TurnCount, completed.Cut));
    }
}
