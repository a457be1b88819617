using System.Collections.Concurrent;
using AudioOrchestrator.Audio;
using AudioOrchestrator.Contracts;
using AudioOrchestrator.Ingress.Playback;
using AudioOrchestrator.Ingress.Streams;
using AudioOrchestrator.Ingress.Uploads;
using AudioOrchestrator.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;

namespace AudioOrchestrator.Grains.Tests.Listening;

/// <summary>Wake phrases and barge-in through the whole Orleans path, with tone engines and the real playback player.</summary>
public sealed class WakeAndBargeInPipelineTests(ListeningCluster fixture) : IClassFixture<ListeningCluster>
{
    private readonly Dictionary<string, long> _sequences = [];

    private UtteranceUploadProcessor Uploads => fixture.ClientServices.GetRequiredService<UtteranceUploadProcessor>();

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static string Speaker() => "user-" + Guid.NewGuid().ToString("N")[..8];

    [Fact]
    public async Task Wake_required_speech_without_a_wake_phrase_is_dropped_before_speech_to_text()
    {
        // A pitch no other test of the class speaks at: work of earlier tests still finishing cannot be counted here.
        const int Hz = 3100;
        var session = await fixture.OpenGuildSessionAsync(ListeningCluster.WakeGuild);
        var spotsBefore = fixture.Spotter.Started;

        var result = await Uploads.ProcessAsync(session, Speaker(), TestAudio.Question(Hz), Ct);

        Assert.True(result.NoSpeech);
        Assert.DoesNotContain(fixture.SpeechToText.Frequencies, f => Math.Abs(f - Hz) < Hz * 0.08);
        Assert.True(fixture.Spotter.Started > spotsBefore, "the wake phrase was looked for");
    }

    [Fact]
    public async Task A_session_is_what_its_ingress_opened_it_as_not_what_its_id_looks_like()
    {
        // An upload to a session named like a Discord guild's, which no Discord transport opened: a REST session,
        // always listening (Discord sessions need the wake phrase).
        var lookalike = "discord-" + ListeningCluster.WakeGuild.ToString(System.Globalization.CultureInfo.InvariantCulture) + "0";
        var plain = await Uploads.ProcessAsync(lookalike, Speaker(), TestAudio.Question(660), Ct);
        Assert.Equal("time", Assert.Single(plain.Turns).Agent);
        Assert.Equal(SessionProfile.Rest, await fixture.Client.GetGrain<IConversationGrain>(lookalike).GetProfileAsync());

        // A guild's session opened by Discord stays one when REST calls reach it, and keeps its profile when forgotten.
        const ulong NewGuild = 987_654_321;
        var guild = fixture.Client.GetGrain<IConversationGrain>(await fixture.OpenGuildSessionAsync(NewGuild));
        Assert.Null(await guild.GetSnapshotAsync()); // opening is not a conversation yet
        await guild.OpenAsync(SessionProfile.Rest);
        await guild.DeleteAsync();
        Assert.Equal(SessionProfile.Discord(NewGuild), await guild.GetProfileAsync());
    }

    [Fact]
    public async Task Spotted_wake_phrase_is_stripped_timed_and_opens_the_conversation_window_for_that_speaker()
    {
        var session = await fixture.OpenGuildSessionAsync(ListeningCluster.WakeGuild);
        var speaker = Speaker();

        var woken = await Uploads.ProcessAsync(session, speaker, TestAudio.Question(1320), Ct);
        var followUp = await Uploads.ProcessAsync(session, speaker, TestAudio.Question(660), Ct);
        var stranger = await Uploads.ProcessAsync(session, Speaker(), TestAudio.Question(660), Ct);

        var turn = Assert.Single(woken.Turns);
        Assert.Equal(("hey orchestrator echo wake words work", "wake words work"), (turn.Transcript, turn.ResponseText));
        Assert.Equal("time", Assert.Single(followUp.Turns).Agent);
        Assert.True(stranger.NoSpeech);

        var recorded = (await fixture.Client.GetGrain<IConversationGrain>(session).GetSnapshotAsync())!.History.Single(t => t.TurnId == turn.TurnId);
        var timings = recorded.Timings;
        Assert.NotNull(timings);
        Assert.Equal("hey orchestrator echo wake words work", recorded.Transcript);

        // Question(): 300 ms of silence, then the tone; spotted 200 ms into it (as heard, uploads run faster than real time).
        Assert.NotNull(timings!.WakeDetectMs);
        Assert.InRange(timings.WakeDetectMs!.Value, 150, 300);
        Assert.InRange(timings.EndOfUtteranceDelayMs!.Value, 0, 5000);
        Assert.True(timings.SpeechStartedAt < timings.SpeechEndedAt);
        Assert.True(timings.TtsMs > 0 && timings.SttMs >= 0);
    }

    [Fact]
    public async Task A_misheard_wake_phrase_is_stripped_for_the_agent_and_kept_in_the_turn()
    {
        var session = "fuzzy-" + Guid.NewGuid().ToString("N")[..8];

        var result = await Uploads.ProcessAsync(session, Speaker(), TestAudio.Question(1900), Ct);

        // "hey orchestra" is within the fuzzy threshold of "hey orchestrator"; the router alone would not have found "echo".
        var turn = Assert.Single(result.Turns);
        Assert.Equal(("echo", "fuzzy wake", "hey orchestra echo fuzzy wake"), (turn.Agent, turn.ResponseText, turn.Transcript));
    }

    [Fact]
    public async Task Without_acoustic_spotting_the_transcript_decides()
    {
        var session = await fixture.OpenGuildSessionAsync(ListeningCluster.TranscriptOnlyGuild);
        var spotsBefore = fixture.Spotter.Started;
        var callsBefore = fixture.SpeechToText.Calls;

        var dropped = await Uploads.ProcessAsync(session, Speaker(), TestAudio.Question(440), Ct);
        var woken = await Uploads.ProcessAsync(session, Speaker(), TestAudio.Question(1320), Ct);

        Assert.True(dropped.NoSpeech);
        // Both went to speech-to-text (no acoustic gate); the shared fixture may count a straggler of an earlier test.
        Assert.True(fixture.SpeechToText.Calls - callsBefore >= 2, $"speech-to-text calls: {fixture.SpeechToText.Calls - callsBefore}");
        Assert.Equal("wake words work", Assert.Single(woken.Turns).ResponseText);
        Assert.Equal(spotsBefore, fixture.Spotter.Started);
    }

    [Fact]
    public async Task Talking_over_the_answer_pauses_then_interrupts_it_and_is_answered_itself()
    {
        var session = "barge-" + Guid.NewGuid().ToString("N")[..8];
        var (alice, bob) = (Speaker(), Speaker());
        var events = new ConcurrentQueue<SessionOutputEvent>();
        var hub = fixture.ClientServices.GetRequiredService<SessionOutputHub>();
        await using var player = new SessionAudioPlayer(session, 5000, _ => Task.CompletedTask, NullLogger<SessionAudioPlayer>.Instance);
        await player.StartAsync(hub, Ct);
        await player.SetOutputAvailable(true);
        using var stopOutput = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        var output = PlayAsync(player, stopOutput.Token);

        await using (await hub.ListenAsync(session, e => { events.Enqueue(e); return Task.CompletedTask; }, Ct))
        {
            await SendLiveAsync(session, alice, TestAudio.Question(1500));
            var answer = await WaitForAsync<AnswerStarted>(events, a => a.SpeakerId == alice);
            await TestWait.UntilAsync(() => player.PlayedFrames > 10, "the answer to be playing");

            await SendLiveAsync(session, bob, TestAudio.Question(440));
            var paused = await WaitForAsync<PlaybackPaused>(events, p => p.SpeakerId == bob);
            var interrupted = await WaitForAsync<AnswerInterrupted>(events, i => i.SpeakerId == bob);
            var bobsAnswer = await WaitForAsync<AnswerStarted>(events, a => a.SpeakerId == bob);
            var bobsCompleted = await WaitForAsync<AnswerCompleted>(events, c => c.TurnId == bobsAnswer.TurnId);

            Assert.Equal(answer.TurnId, interrupted.TurnId);
            Assert.Equal("hello world", bobsCompleted.ResponseText);
            Assert.DoesNotContain(events, e => e is PlaybackResumed);
            Assert.True(player.DroppedFrames > 0, "the rest of the interrupted answer was dropped by the player");
            Assert.True(paused.SpeechStartedAt <= DateTimeOffset.UtcNow);
        }

        var history = (await fixture.Client.GetGrain<IConversationGrain>(session).GetSnapshotAsync())!.History;
        var cut = history.Single(t => t.TurnId == events.OfType<AnswerInterrupted>().Single().TurnId);
        Assert.True(cut.Interrupted);
        Assert.False(history.Single(t => t.SpeakerId == bob).Interrupted);

        // The archive got the interruption too: the same turn, interrupted, with only what was heard.
        Assert.All(history, t => Assert.Equal(
            (t.TurnId, t.Interrupted, t.ResponseText, t.Transcript),
            fixture.Archive.Turn(session, t.TurnId) is { } archived ? (archived.TurnId, archived.Interrupted, archived.ResponseText, archived.Transcript) : default));
        await stopOutput.CancelAsync();
        await output;
    }

    [Fact]
    public async Task A_short_backchannel_pauses_and_resumes_the_answer()
    {
        var session = "backchannel-" + Guid.NewGuid().ToString("N")[..8];
        var (alice, bob) = (Speaker(), Speaker());
        var events = new ConcurrentQueue<SessionOutputEvent>();
        var hub = fixture.ClientServices.GetRequiredService<SessionOutputHub>();

        await using (await hub.ListenAsync(session, e => { events.Enqueue(e); return Task.CompletedTask; }, Ct))
        {
            await SendLiveAsync(session, alice, TestAudio.Question(1500));
            var answer = await WaitForAsync<AnswerStarted>(events, a => a.SpeakerId == alice);

            // "mm": 200 ms of an unrecognised tone, then the speaker stops sending.
            await SendLiveAsync(session, bob, TestAudio.Concat(TestAudio.Silence(100), TestAudio.Tone(300, 200)));
            await WaitForAsync<PlaybackPaused>(events, p => p.SpeakerId == bob);
            await WaitForAsync<PlaybackResumed>(events, r => r.SpeakerId == bob);
            await WaitForAsync<AnswerCompleted>(events, c => c.TurnId == answer.TurnId);

            Assert.DoesNotContain(events, e => e is AnswerInterrupted);
            var history = (await fixture.Client.GetGrain<IConversationGrain>(session).GetSnapshotAsync())!.History;
            Assert.False(Assert.Single(history).Interrupted);
        }
    }

    [Fact]
    public async Task Speech_while_nothing_plays_publishes_no_playback_events()
    {
        var session = "quiet-" + Guid.NewGuid().ToString("N")[..8];
        var speaker = Speaker();
        var events = new ConcurrentQueue<SessionOutputEvent>();
        var hub = fixture.ClientServices.GetRequiredService<SessionOutputHub>();

        await using (await hub.ListenAsync(session, e => { events.Enqueue(e); return Task.CompletedTask; }, Ct))
        {
            await SendLiveAsync(session, speaker, TestAudio.Question(440));
            await WaitForAsync<AnswerCompleted>(events, _ => true);
        }

        Assert.DoesNotContain(events, e => e is PlaybackPaused or PlaybackResumed or AnswerInterrupted);
    }

    /// <summary>Sends audio as a live speaker at real time (100 ms batches), as a Discord user would.</summary>
    private async Task SendLiveAsync(string session, string speakerId, PcmAudio audio)
    {
        var sequence = _sequences.GetValueOrDefault(speakerId);
        _sequences[speakerId] = sequence + await LiveSpeaker.SendAsync(fixture.ClientServices, new SpeakerRef(session, speakerId), audio, sequence, Ct);
    }

    private static Task<T> WaitForAsync<T>(ConcurrentQueue<SessionOutputEvent> events, Func<T, bool> predicate)
        where T : SessionOutputEvent =>
        TestWait.ForAsync(() => events.OfType<T>().FirstOrDefault(predicate), () => $"a {typeof(T).Name} (events: {string.Join(", ", events.Select(e => e.GetType().Name))})");

    private static Task PlayAsync(SessionAudioPlayer player, CancellationToken cancellationToken) => PacedOutput.PlayAsync(player.Frames, cancellationToken);
}
