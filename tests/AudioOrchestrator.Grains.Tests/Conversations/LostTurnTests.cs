using AudioOrchestrator.Audio;
using AudioOrchestrator.Contracts;
using AudioOrchestrator.Ingress.Streams;
using AudioOrchestrator.Ingress.Uploads;
using AudioOrchestrator.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace AudioOrchestrator.Grains.Tests.Conversations;

/// <summary>
/// An upload whose speaker or session activation went away with it (its silo died: the new activation never had it),
/// or whose session was deleted while answering it: the upload must end at once with 503 (<see cref="UploadCutException"/>
/// or <see cref="TurnLostException"/>), not wait for <c>Ingress:TurnTimeout</c> (20 s here) for answers that never come.
/// </summary>
public sealed class LostTurnTests(DeactivationDuringTurnTests.HeldAgentCluster fixture) : IClassFixture<DeactivationDuringTurnTests.HeldAgentCluster>
{
    /// <summary>Well under the turn timeout (20 s), above one probe period (2 s) on a busy machine.</summary>
    private static readonly TimeSpan Prompt = TimeSpan.FromSeconds(12);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private UploadAnswerWaiter Waiter => fixture.ClientServices.GetRequiredService<UploadAnswerWaiter>();

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
        Assert.True(await conversation.HasInputAsync(correlationId));
        Assert.True(await fixture.Client.GetGrain<ISpeakerGrain>(new SpeakerRef(session, "ana").StreamKey).HasHeardAsync(correlationId));

        // The session forgets the turn: it is never answered, and the session says it has no such input.
        var dropped = DateTimeOffset.UtcNow;
        await conversation.DeleteAsync();
        var lost = await Assert.ThrowsAsync<TurnLostException>(() => upload);
        Assert.False(await conversation.HasInputAsync(correlationId));
        var waited = DateTimeOffset.UtcNow - dropped;
        Assert.True(waited < Prompt, $"the lost turn was reported after {waited.TotalSeconds:F1} s: {lost.Message}");
    }

    [Fact]
    public async Task An_upload_heard_by_a_session_activation_that_never_had_its_turns_is_lost_at_once()
    {
        // What the ingress sees after a silo died with the session's activation: the input was reported heard, and the
        // session's activation now (a new one) never had its turns.
        var session = "gone-session-" + Guid.NewGuid().ToString("N")[..12];
        var collector = new TurnCollector("c-gone");
        await collector.OnEventAsync(new InputCompleted("ana", 1) { CorrelationId = "c-gone" });
        var started = DateTimeOffset.UtcNow;
        await Assert.ThrowsAsync<TurnLostException>(() => Waiter.WaitAsync(new SpeakerRef(session, "ana"), "c-gone", collector, Ct));
        Assert.True(DateTimeOffset.UtcNow - started < Prompt);
    }

    [Fact]
    public async Task An_upload_published_to_a_speaker_activation_that_never_heard_it_is_cut_at_once()
    {
        // What the ingress sees after a silo died with the speaker's activation once the whole recording was delivered:
        // no input end comes, and the speaker's activation now (a new one) never heard it.
        var speaker = new SpeakerRef("gone-speaker-" + Guid.NewGuid().ToString("N")[..12], "ana");
        var started = DateTimeOffset.UtcNow;
        await Assert.ThrowsAsync<UploadCutException>(() => Waiter.WaitAsync(speaker, "c-unheard", new TurnCollector("c-unheard"), Ct));
        Assert.True(DateTimeOffset.UtcNow - started < Prompt);
    }

    [Fact]
    public async Task An_input_end_whose_frames_went_to_another_activation_is_reported_cut_not_silent()
    {
        // The speaker activation that heard the frames died; the retried end reached a new one, which heard none of them.
        var speaker = new SpeakerRef("moved-" + Guid.NewGuid().ToString("N")[..12], "ana");
        var completed = new TaskCompletionSource<InputCompleted>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var listening = await fixture.ClientServices.GetRequiredService<SessionOutputHub>().ListenAsync(speaker.SessionId, item =>
        {
            if (item is InputCompleted input)
            {
                completed.TrySetResult(input);
            }

            return Task.CompletedTask;
        }, Ct);
        var writer = fixture.ClientServices.GetRequiredService<SpeakerAudioPublisher>().GetWriter(speaker);
        await writer.Publish(new SpeakerInputEnded(DateTimeOffset.UtcNow, FrameCount: 40) { CorrelationId = "c-moved" }, Ct);

        var input = await completed.Task.WaitAsync(Ct);
        Assert.True(input.Cut, "an end of 40 frames none of which this activation heard is a cut");
        Assert.Equal(0, input.TurnCount);
    }

    [Fact]
    public async Task An_upload_whose_beginning_went_to_another_activation_is_reported_cut_and_not_answered_in_part()
    {
        // The speaker activation that heard the first 40 frames died; the rest reached a new one.
        var speaker = new SpeakerRef("half-" + Guid.NewGuid().ToString("N")[..12], "ana");
        var completed = new TaskCompletionSource<InputCompleted>(TaskCreationOptions.RunContinuationsAsynchronously);
        var answered = false;
        await using var listening = await fixture.ClientServices.GetRequiredService<SessionOutputHub>().ListenAsync(speaker.SessionId, item =>
        {
            answered |= item is AnswerStarted;
            if (item is InputCompleted input)
            {
                completed.TrySetResult(input);
            }

            return Task.CompletedTask;
        }, Ct);
        var packets = OpusPacketizer.EncodeSpeech(TestAudio.Question(440));
        var writer = fixture.ClientServices.GetRequiredService<SpeakerAudioPublisher>().GetWriter(speaker);
        for (var first = 40; first < packets.Count; first += 4)
        {
            var frames = packets.Skip(first).Take(4).ToArray();
            await writer.Publish(new OpusFrameBatch(first, frames, DateTimeOffset.UtcNow) { CorrelationId = "c-half" }, Ct);
        }

        await writer.Publish(new SpeakerInputEnded(DateTimeOffset.UtcNow, FrameCount: packets.Count) { CorrelationId = "c-half" }, Ct);

        var input = await completed.Task.WaitAsync(Ct);
        Assert.True(input.Cut, "an upload heard from its 40th frame on is a cut");
        Assert.Equal(0, input.TurnCount);
        Assert.False(answered, "half a question was answered");
    }

    [Fact]
    public async Task A_new_activation_has_no_upload()
    {
        var id = "fresh-" + Guid.NewGuid().ToString("N")[..12];
        Assert.False(await fixture.Client.GetGrain<IConversationGrain>(id).HasInputAsync(Guid.NewGuid().ToString("N")));
        Assert.False(await fixture.Client.GetGrain<ISpeakerGrain>(new SpeakerRef(id, "ana").StreamKey).HasHeardAsync(Guid.NewGuid().ToString("N")));
        await Assert.ThrowsAsync<ArgumentException>(() => fixture.Client.GetGrain<IConversationGrain>(id).HasInputAsync(""));
    }
}
