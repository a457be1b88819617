using System.Collections.Concurrent;
using AudioOrchestrator.Audio;
using AudioOrchestrator.Contracts;
using AudioOrchestrator.Ingress.Streams;
using AudioOrchestrator.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace AudioOrchestrator.Grains.Tests.Listening;

/// <summary>An interruption stops the synthesis of the rest of the answer, not only its playback.</summary>
public sealed class InterruptedSynthesisTests(SlowSynthesisCluster fixture) : IClassFixture<SlowSynthesisCluster>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task The_rest_of_an_interrupted_answer_is_never_synthesised()
    {
        var session = "cancel-" + Guid.NewGuid().ToString("N")[..8];
        var events = new ConcurrentQueue<SessionOutputEvent>();
        var hub = fixture.ClientServices.GetRequiredService<SessionOutputHub>();
        var fullAnswerFrames = (int)(ToneTextToSpeech.Speak(PipelineCluster.Phrases[1500]["echo ".Length..]).Duration.TotalMilliseconds / 20);

        // Alice's answer is held after its first piece until it is cancelled, however long bob takes to be heard on a
        // busy machine: the interruption always finds the synthesis running.
        fixture.TextToSpeech.HoldAfterFirstPiece = text => !text.Contains("hello world", StringComparison.Ordinal);
        await using (await hub.ListenAsync(session, e => { events.Enqueue(e); return Task.CompletedTask; }, Ct))
        {
            await SendLiveAsync(session, "alice", TestAudio.Question(1500), 0);
            var answer = await WaitForAsync<AnswerStarted>(events, a => a.SpeakerId == "alice");
            await WaitForAsync<AnswerAudio>(events, a => a.TurnId == answer.TurnId);

            await SendLiveAsync(session, "bob", TestAudio.Question(440), 0);
            await WaitForAsync<AnswerInterrupted>(events, i => i.TurnId == answer.TurnId);
            var completed = await WaitForAsync<AnswerCompleted>(events, c => c.TurnId == answer.TurnId);
            var framesAtCompletion = Frames(events, answer.TurnId);
            var tts = fixture.TextToSpeech;
            await TestWait.UntilAsync(() => tts.Ended == tts.Started, () => $"every synthesis to end ({tts.Ended} of {tts.Started})");
            var framesInTheEnd = Frames(events, answer.TurnId);

            // The interruption stops the held synthesis: the rest of the answer is never made (a synthesis that did not
            // hear of the cancellation would never end). At most the piece in hand follows the completion.
            Assert.True(framesInTheEnd < fullAnswerFrames - 50, $"{framesInTheEnd} of {fullAnswerFrames} frames were synthesised (text-to-speech cancelled {fixture.TextToSpeech.Cancelled} times)");
            Assert.Equal(1, fixture.TextToSpeech.Cancelled);
            Assert.True(framesInTheEnd - framesAtCompletion <= 25, $"{framesInTheEnd - framesAtCompletion} frames after the interruption");
        }

        var history = (await fixture.Client.GetGrain<IConversationGrain>(session).GetSnapshotAsync())!.History;
        Assert.True(history.Single(t => t.SpeakerId == "alice").Interrupted);
    }

    private static int Frames(ConcurrentQueue<SessionOutputEvent> events, string turnId) =>
        events.OfType<AnswerAudio>().Where(a => a.TurnId == turnId).Sum(a => a.Frames.Length);

    private Task SendLiveAsync(string session, string speakerId, PcmAudio audio, long firstSequence) =>
        LiveSpeaker.SendAsync(fixture.ClientServices, new SpeakerRef(session, speakerId), audio, firstSequence, Ct);

    private static Task<T> WaitForAsync<T>(ConcurrentQueue<SessionOutputEvent> events, Func<T, bool> predicate)
        where T : SessionOutputEvent =>
        TestWait.ForAsync(() => events.OfType<T>().FirstOrDefault(predicate), () => $"a {typeof(T).Name} (events: {string.Join(", ", events.Select(e => e.GetType().Name).Distinct())})");
}
