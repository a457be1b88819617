using System.Collections.Concurrent;
using AudioOrchestrator.Audio;
using AudioOrchestrator.Contracts;
using AudioOrchestrator.Grains.Conversations;
using AudioOrchestrator.Ingress.Streams;
using AudioOrchestrator.Ingress.Uploads;
using AudioOrchestrator.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace AudioOrchestrator.Grains.Tests;

/// <summary>The whole Orleans path: ingress -> audio-in stream -> SpeakerGrain -> ConversationGrain -> agent -> synthesis -> audio-out -> ingress.</summary>
public sealed class VoicePipelineTests(PipelineCluster fixture) : IClassFixture<PipelineCluster>
{
    private UtteranceUploadProcessor Uploads => fixture.ClientServices.GetRequiredService<UtteranceUploadProcessor>();

    private static string NewSession() => "test-" + Guid.NewGuid().ToString("N")[..12];

    [Fact]
    public async Task Echo_question_is_answered_recorded_and_spoken()
    {
        var session = NewSession();

        var result = await Uploads.ProcessAsync(session, "alice", TestAudio.Question(440), TestContext.Current.CancellationToken);

        var turn = Assert.Single(result.Turns);
        Assert.Equal("echo hello world", turn.Transcript);
        Assert.Equal("echo", turn.Agent);
        Assert.Equal("hello world", turn.ResponseText);
        Assert.Null(turn.Error);
        Assert.NotNull(turn.Timings);
        Assert.True(turn.Timings!.SttMs >= 0 && turn.Timings.AgentMs >= 0 && turn.Timings.TtsMs > 0);

        // The answer audio is the fake TTS tone of "hello world": 11 characters x 40 ms, padded to whole frames.
        var answer = WavCodec.Decode(turn.AnswerWav);
        Assert.Equal(48000, answer.SampleRate);
        Assert.InRange(answer.Duration.TotalMilliseconds, 440, 480);
        Assert.InRange(TestAudio.EstimateFrequency(answer), 280, 320);

        var snapshot = await fixture.Client.GetGrain<IConversationGrain>(session).GetSnapshotAsync();
        Assert.NotNull(snapshot);
        var recorded = Assert.Single(snapshot!.History);
        Assert.Equal(("alice", "echo hello world", "echo", "hello world"), (recorded.SpeakerId, recorded.Transcript, recorded.Agent, recorded.ResponseText));
        Assert.Equal(turn.TurnId, recorded.TurnId);
        Assert.Equal("echo", snapshot.Context["lastAgent"]);
    }

    [Fact]
    public async Task Two_utterances_in_one_recording_become_two_turns_in_order()
    {
        var session = NewSession();
        var audio = TestAudio.Concat(TestAudio.Question(440), TestAudio.Question(660));

        var result = await Uploads.ProcessAsync(session, "bob", audio, TestContext.Current.CancellationToken);

        Assert.Equal(["echo", "time"], result.Turns.Select(t => t.Agent));
        Assert.StartsWith("It is ", result.Turns[1].ResponseText, StringComparison.Ordinal);
        var snapshot = await fixture.Client.GetGrain<IConversationGrain>(session).GetSnapshotAsync();
        Assert.Equal(["echo hello world", "what time is it"], snapshot!.History.Select(t => t.Transcript));
    }

    [Fact]
    public async Task Silence_gives_no_speech_and_leaves_the_session_untouched()
    {
        var session = NewSession();

        var result = await Uploads.ProcessAsync(session, "carol", TestAudio.Silence(2000), TestContext.Current.CancellationToken);

        Assert.True(result.NoSpeech);
        Assert.Null(await fixture.Client.GetGrain<IConversationGrain>(session).GetSnapshotAsync());
    }

    [Fact]
    public async Task Unmatched_speech_goes_to_the_conversation_agent_which_says_honestly_what_it_can_do_without_a_model()
    {
        var result = await Uploads.ProcessAsync(NewSession(), "dave", TestAudio.Question(880), TestContext.Current.CancellationToken);

        var turn = Assert.Single(result.Turns);
        Assert.Equal("conversation", turn.Agent);
        Assert.Equal(TurnRoute.Fallback, turn.Route!.Reason);
        Assert.StartsWith("I can't hold a free conversation: no language model is configured.", turn.ResponseText, StringComparison.Ordinal);
        Assert.Contains("echo something", turn.ResponseText, StringComparison.Ordinal);
        Assert.Null(turn.Error);
    }

    [Fact]
    public async Task Wake_phrase_is_stripped_before_routing()
    {
        var result = await Uploads.ProcessAsync(NewSession(), "erin", TestAudio.Question(1320), TestContext.Current.CancellationToken);

        var turn = Assert.Single(result.Turns);
        Assert.Equal("echo", turn.Agent);
        Assert.Equal("wake words work", turn.ResponseText);
    }

    [Fact]
    public async Task Agent_from_another_assembly_is_found_and_its_timeout_ends_only_that_turn_with_a_spoken_apology()
    {
        var session = NewSession();

        var result = await Uploads.ProcessAsync(session, "frank", TestAudio.Question(1100), TestContext.Current.CancellationToken);

        var turn = Assert.Single(result.Turns);
        Assert.Equal("slow", turn.Agent);
        Assert.Contains("did not finish its answer within the turn's deadline", turn.Error, StringComparison.Ordinal);
        Assert.Equal(TurnPipeline.Apology, turn.ResponseText);
        Assert.NotNull(turn.AnswerWav);
        var recorded = Assert.Single((await fixture.Client.GetGrain<IConversationGrain>(session).GetSnapshotAsync())!.History);
        Assert.Equal((turn.Error, TurnPipeline.Apology), (recorded.Error, recorded.ResponseText));

        // The session still works afterwards.
        var next = await Uploads.ProcessAsync(session, "frank", TestAudio.Question(440), TestContext.Current.CancellationToken);
        Assert.Equal("hello world", Assert.Single(next.Turns).ResponseText);
    }

    [Fact]
    public async Task Corrupt_opus_packets_are_counted_and_skipped_without_losing_the_turn()
    {
        var session = NewSession();
        var speaker = new SpeakerRef(session, "gina");
        var publisher = fixture.ClientServices.GetRequiredService<SpeakerAudioPublisher>();
        var outputs = fixture.ClientServices.GetRequiredService<SessionOutputHub>();
        var packets = OpusPacketizer.Encode(TestAudio.Question(440)).ToList();
        packets.Insert(5, [0xFF, 0xFF, 0xFF]);
        packets.Insert(20, []);
        var collector = new TurnCollector("corrupt-1");

        await using (await outputs.ListenAsync(session, collector.OnEventAsync, TestContext.Current.CancellationToken))
        {
            await publisher.PublishInputAsync(speaker, packets, "corrupt-1", null, TestContext.Current.CancellationToken);
            await collector.Completion.WaitAsync(TimeSpan.FromSeconds(20), TestContext.Current.CancellationToken);
        }

        Assert.Equal("hello world", Assert.Single(collector.BuildTurns()).ResponseText);
        var status = await fixture.Client.GetGrain<ISpeakerGrain>(speaker.StreamKey).GetStatusAsync();
        Assert.Equal(2, status.CorruptFrames);
        Assert.Equal(packets.Count, status.FramesReceived);
    }

    [Fact]
    public async Task Live_packets_that_stall_mid_speech_are_late_not_silence_and_the_utterance_stays_whole()
    {
        // Two speakers say the same; one's packets stall for 400 ms in the middle of the tone (a busy network or host),
        // then arrive in a burst. Both are heard as one utterance of the same length: no silence is inserted.
        var session = NewSession();
        var question = TestAudio.Question(440);
        var outputs = fixture.ClientServices.GetRequiredService<SessionOutputHub>();
        var completed = new ConcurrentQueue<AnswerCompleted>();
        await using (await outputs.ListenAsync(session, e =>
        {
            if (e is AnswerCompleted done)
            {
                completed.Enqueue(done);
            }

            return Task.CompletedTask;
        }, TestContext.Current.CancellationToken))
        {
            await LiveSpeaker.SendAsync(fixture.ClientServices, new SpeakerRef(session, "steady"), question, 0, TestContext.Current.CancellationToken);
            await TestWait.UntilAsync(() => !completed.IsEmpty, "the steady speaker's answer");
            var stream = fixture.ClientServices.GetRequiredService<SpeakerAudioPublisher>().GetWriter(new SpeakerRef(session, "stalled"));
            await LiveAudio.SendAsync(
                async (sequence, packets) =>
                {
                    if (sequence == 35)
                    {
                        await Task.Delay(400, TestContext.Current.CancellationToken); // 400 ms into the 800 ms tone
                    }

                    await stream.Publish(new OpusFrameBatch(sequence, packets, DateTimeOffset.UtcNow));
                },
                question,
                0,
                TestContext.Current.CancellationToken);
            await TestWait.UntilAsync(() => completed.Count == 2, "the stalled speaker's answer");
        }

        var history = (await fixture.Client.GetGrain<IConversationGrain>(session).GetSnapshotAsync())!.History;
        Assert.Equal([("steady", "echo hello world"), ("stalled", "echo hello world")], history.Select(t => (t.SpeakerId, t.Transcript)));
        // The speech is the same length (a silence inserted at the stall would add 400 ms or split the utterance); the
        // trailing silence before the end-of-utterance decision may differ by one 20 ms frame, as the packet-gap timer
        // feeds it in steps whose phase against the frames depends on when the timer ticks.
        Assert.InRange(history[1].Timings!.AudioMs - history[0].Timings!.AudioMs, -20, 20);
    }

    [Fact]
    public async Task A_slow_transcription_ahead_does_not_cost_the_words_spoken_meanwhile()
    {
        // The speaker pauses 400 ms (long enough for the answer to be prepared ahead, too short to end the utterance)
        // and goes on for a second. Transcribing the first part takes 1.5 s, during which the grain is busy and the
        // rest of the speech waits in the stream. It must be heard whole: not dropped as "faster than real time" when
        // it arrives in a burst, and the busy time not taken for a pause that ends the utterance.
        // A sender starved by a busy machine for longer than the packet-gap time (100 ms) inside the 400 ms pause makes
        // a real 500 ms pause for the service, which rightly ends the utterance there: then the condition under test did
        // not occur, and the scenario is spoken again (a new session), up to three times.
        var audio = TestAudio.Concat(
            TestAudio.Silence(200), TestAudio.Tone(PipelineCluster.SlowHz, 500), TestAudio.Silence(400), TestAudio.Tone(PipelineCluster.SlowHz, 1000));
        for (var attempt = 1; ; attempt++)
        {
            var session = NewSession();
            var speaker = new SpeakerRef(session, "slowly-heard");
            var grain = fixture.Client.GetGrain<IConversationGrain>(session);
            var heardBefore = fixture.SpeechToText.Frequencies.Count(f => Math.Abs(f - PipelineCluster.SlowHz) < 200);

            var sent = await LiveSpeaker.SendTimedAsync(fixture.ClientServices, speaker, audio, 0, TestContext.Current.CancellationToken);
            await TestWait.UntilAsync(async () => (await grain.GetSnapshotAsync())?.History.Count > 0, "the slowly heard speaker's answer", TimeSpan.FromSeconds(30));
            if (sent.MaxLate >= TimeSpan.FromMilliseconds(100))
            {
                Assert.True(attempt < 3, $"the test's own sender was late by {sent.MaxLate.TotalMilliseconds:0} ms in each of three attempts: the machine is too starved to speak in real time");
                continue;
            }

            var turn = Assert.Single((await grain.GetSnapshotAsync())!.History);
            Assert.Equal(("echo slow to hear", "slow to hear"), (turn.Transcript, turn.ResponseText));
            // Both parts and the pause between them, then the end silence (2.6 s on an idle machine; late timer ticks on a
            // busy one add some silence); the 1.5 s the grain was busy taken for a pause would add 1.5 s.
            Assert.InRange(turn.Timings!.AudioMs, 1900, 3300);
            var status = await fixture.Client.GetGrain<ISpeakerGrain>(speaker.StreamKey).GetStatusAsync();
            Assert.Equal(sent.Packets, status.FramesReceived);
            var heard = fixture.SpeechToText.Frequencies.Count(f => Math.Abs(f - PipelineCluster.SlowHz) < 200) - heardBefore;
            if (attempt == 1)
            {
                Assert.Equal(2, heard); // ahead, then whole
            }
            else
            {
                Assert.True(heard >= 2, $"heard {heard} times"); // an earlier attempt's split-off part may be heard meanwhile
            }
            return;
        }
    }

    [Fact]
    public async Task Live_speaker_who_stops_sending_packets_still_gets_an_answer()
    {
        // A client that stops sending in the middle of speech (it vanished): no silence frames, no end marker. The gap
        // counts as silence after Speaker:MidSpeechGapMs.
        var session = NewSession();
        var speaker = new SpeakerRef(session, "live-user");
        var publisher = fixture.ClientServices.GetRequiredService<SpeakerAudioPublisher>();
        var outputs = fixture.ClientServices.GetRequiredService<SessionOutputHub>();
        var packets = OpusPacketizer.Encode(TestAudio.Concat(TestAudio.Silence(200), TestAudio.Tone(440, 800)));
        var answered = new TaskCompletionSource<AnswerStarted>(TaskCreationOptions.RunContinuationsAsynchronously);
        var completed = new TaskCompletionSource<AnswerCompleted>(TaskCreationOptions.RunContinuationsAsynchronously);

        await using (await outputs.ListenAsync(session, e =>
        {
            if (e is AnswerStarted started && started.CorrelationId is null)
            {
                answered.TrySetResult(started);
            }
            else if (e is AnswerCompleted done)
            {
                completed.TrySetResult(done);
            }

            return Task.CompletedTask;
        }, TestContext.Current.CancellationToken))
        {
            var stream = publisher.GetWriter(speaker);
            for (var i = 0; i < packets.Count; i += 4)
            {
                await stream.Publish(new OpusFrameBatch(i, packets.Skip(i).Take(4).ToArray(), DateTimeOffset.UtcNow), TestContext.Current.CancellationToken);
            }

            var started = await answered.Task.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);
            var done = await completed.Task.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);
            Assert.Equal(("live-user", "echo hello world", "hello world"), (started.SpeakerId, started.Transcript, done.ResponseText));
        }
    }

    [Fact]
    public async Task Concurrent_uploads_from_one_speaker_stay_apart()
    {
        var session = NewSession();

        var first = Uploads.ProcessAsync(session, "hank", TestAudio.Question(440), TestContext.Current.CancellationToken);
        var second = Uploads.ProcessAsync(session, "hank", TestAudio.Question(660), TestContext.Current.CancellationToken);
        var results = await Task.WhenAll(first, second);

        Assert.Equal("echo", Assert.Single(results[0].Turns).Agent);
        Assert.Equal("time", Assert.Single(results[1].Turns).Agent);
    }

    [Fact]
    public async Task Uploads_that_never_end_do_not_lock_the_speaker_out()
    {
        // Eight uploads start and their clients vanish before the end marker (the most a speaker may have open).
        var session = NewSession();
        var speaker = new SpeakerRef(session, "quitter");
        var stream = fixture.ClientServices.GetRequiredService<SpeakerAudioPublisher>().GetWriter(speaker);
        var frames = OpusPacketizer.Encode(TestAudio.Tone(440, 200)).Take(4).ToArray();
        for (var i = 0; i < 8; i++)
        {
            await stream.Publish(new OpusFrameBatch(0, frames, DateTimeOffset.UtcNow) { CorrelationId = $"abandoned-{i}" }, TestContext.Current.CancellationToken);
        }

        await Task.Delay(TimeSpan.FromSeconds(1.5), TestContext.Current.CancellationToken);

        var result = await Uploads.ProcessAsync(session, "quitter", TestAudio.Question(440), TestContext.Current.CancellationToken);

        Assert.Equal("hello world", Assert.Single(result.Turns).ResponseText);
    }

    [Fact]
    public async Task History_keeps_only_the_configured_number_of_turns()
    {
        var session = NewSession();
        for (var i = 0; i < 7; i++)
        {
            await Uploads.ProcessAsync(session, "ivy", TestAudio.Question(i % 2 == 0 ? 440 : 660), TestContext.Current.CancellationToken);
        }

        var snapshot = await fixture.Client.GetGrain<IConversationGrain>(session).GetSnapshotAsync();
        Assert.Equal(5, snapshot!.History.Count);
        Assert.Equal("7", snapshot.Context["turnCount"]);
    }

    [Fact]
    public async Task Deleted_session_is_forgotten()
    {
        var session = NewSession();
        await Uploads.ProcessAsync(session, "jack", TestAudio.Question(440), TestContext.Current.CancellationToken);
        var grain = fixture.Client.GetGrain<IConversationGrain>(session);
        Assert.NotNull(await grain.GetSnapshotAsync());

        await grain.DeleteAsync();

        Assert.Null(await grain.GetSnapshotAsync());
    }
}
