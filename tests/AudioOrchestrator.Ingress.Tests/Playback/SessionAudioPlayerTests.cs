using AudioOrchestrator.Contracts;
using AudioOrchestrator.Ingress.Playback;
using AudioOrchestrator.Testing;
using Microsoft.Extensions.Logging.Abstractions;

namespace AudioOrchestrator.Ingress.Tests.Playback;

/// <summary>The transport-neutral player, driven by synthetic audio-out events (no stream, no clock).</summary>
public sealed class SessionAudioPlayerTests : IAsyncDisposable
{
    private readonly List<UndeliverableAnswer> _undeliverable = [];
    private readonly List<AgentAction> _actions = [];
    private readonly SessionAudioPlayer _player;

    public SessionAudioPlayerTests()
    {
        _player = new SessionAudioPlayer("discord-1", 100, a =>
        {
            lock (_undeliverable)
            {
                _undeliverable.Add(a);
            }

            return Task.CompletedTask;
        }, NullLogger<SessionAudioPlayer>.Instance, action =>
        {
            lock (_actions)
            {
                _actions.Add(action);
            }

            return Task.CompletedTask;
        });
    }

    public ValueTask DisposeAsync() => _player.DisposeAsync();

    private static byte[] Frame(string turn, int index) => [(byte)turn[0], (byte)index];

    private static AnswerAudio Audio(string turn, int first, int count) =>
        new(turn, first, [.. Enumerable.Range(first, count).Select(i => Frame(turn, i))]);

    private static AnswerStarted Started(string turn, string text = "hello world") => new(turn, "42", "echo " + text, "echo", new TurnRoute(TurnRoute.Phrase, "echo {text}"));

    private static AnswerCompleted Completed(string turn, string text = "hello world") => new(turn, new TurnTimings(1, 1, 1, 1, 1), text);

    private List<byte[]> ReadAvailable()
    {
        List<byte[]> frames = [];
        while (_player.Frames.TryRead(out var frame))
        {
            frames.Add(frame.ToArray());
        }

        return frames;
    }

    private async Task StartTurnAsync(string turn, int frames)
    {
        await _player.OnEventAsync(Started(turn));
        await _player.OnEventAsync(Audio(turn, 0, frames));
    }

    [Fact]
    public async Task Frames_of_a_sentence_spoken_again_are_played_once()
    {
        // The sentence's synthesis call was lost after frames 0-5 were published: it is spoken again from frame 0.
        await _player.SetOutputAvailable(true);
        await StartTurnAsync("t1", 4);
        await _player.OnEventAsync(Audio("t1", 4, 2));
        await _player.OnEventAsync(Audio("t1", 0, 4));
        await _player.OnEventAsync(Audio("t1", 4, 4));
        await _player.OnEventAsync(Audio("t1", 8, 2));

        Assert.Equal(Enumerable.Range(0, 10).Select(i => Frame("t1", i)), ReadAvailable());
    }

    [Fact]
    public async Task The_player_is_mid_sentence_between_a_sentences_batches_and_not_after_its_end_a_pause_or_an_interruption()
    {
        await _player.SetOutputAvailable(true);
        Assert.False(_player.IsMidSentence); // nothing played yet

        await StartTurnAsync("t1", 5);
        ReadAvailable();
        Assert.True(_player.IsMidSentence); // the sentence's next batch is late

        await _player.OnEventAsync(new AnswerAudio("t1", 5, [Frame("t1", 5)], EndsSentence: true));
        ReadAvailable();
        Assert.False(_player.IsMidSentence); // a gap after a sentence is a pause

        await _player.OnEventAsync(Audio("t1", 6, 2));
        ReadAvailable();
        await _player.OnEventAsync(new PlaybackPaused("7", DateTimeOffset.UtcNow));
        Assert.False(_player.IsMidSentence); // held for a barge-in: silence, not waiting
        await _player.OnEventAsync(new PlaybackResumed("7"));
        Assert.True(_player.IsMidSentence);

        await _player.OnEventAsync(new AnswerInterrupted("t1", "7"));
        Assert.False(_player.IsMidSentence);
    }

    [Fact]
    public async Task Frames_leave_in_order_and_the_reader_waits_when_idle()
    {
        await _player.SetOutputAvailable(true);
        var idle = _player.Frames.WaitToReadAsync(TestContext.Current.CancellationToken).AsTask();
        Assert.False(idle.IsCompleted);

        await StartTurnAsync("t1", 3);
        await _player.OnEventAsync(Audio("t1", 3, 2));

        Assert.True(await idle);
        Assert.Equal(Enumerable.Range(0, 5).Select(i => Frame("t1", i)), ReadAvailable());
        Assert.Equal(5, _player.PlayedFrames);
        Assert.Empty(_undeliverable);
    }

    [Fact]
    public async Task Pause_holds_the_next_frame_and_resume_continues_where_it_stopped()
    {
        await _player.SetOutputAvailable(true);
        await StartTurnAsync("t1", 6);
        Assert.True(_player.Frames.TryRead(out var first));
        Assert.Equal(Frame("t1", 0), first.ToArray());

        await _player.OnEventAsync(new PlaybackPaused("7", DateTimeOffset.UnixEpoch));

        Assert.True(_player.IsPaused);
        Assert.False(_player.Frames.TryRead(out _));
        var waiting = _player.Frames.WaitToReadAsync(TestContext.Current.CancellationToken).AsTask();
        Assert.False(waiting.IsCompleted);
        Assert.Equal(5, _player.QueuedFrames);

        await _player.OnEventAsync(new PlaybackResumed("7"));

        Assert.True(await waiting);
        Assert.Equal(Enumerable.Range(1, 5).Select(i => Frame("t1", i)), ReadAvailable());
        Assert.Equal(0, _player.DroppedFrames);
    }

    [Fact]
    public async Task Interrupt_drops_the_rest_of_that_turn_including_later_audio_but_not_the_next_answer()
    {
        await _player.SetOutputAvailable(true);
        await StartTurnAsync("t1", 4);
        Assert.True(_player.Frames.TryRead(out _));
        await _player.OnEventAsync(new PlaybackPaused("7", DateTimeOffset.UnixEpoch));
        await _player.OnEventAsync(Audio("t1", 4, 2));

        await _player.OnEventAsync(new AnswerInterrupted("t1", "7"));
        await _player.OnEventAsync(Audio("t1", 6, 3));
        await _player.OnEventAsync(Completed("t1"));
        await StartTurnAsync("t2", 2);

        Assert.False(_player.IsPaused);
        Assert.Equal([Frame("t2", 0), Frame("t2", 1)], ReadAvailable());
        Assert.Equal(3 + 2 + 3, _player.DroppedFrames);
    }

    [Fact]
    public async Task An_answer_without_an_output_goes_to_the_fallback_with_its_whole_text_and_its_audio_is_dropped()
    {
        await _player.OnEventAsync(Started("t1", "the answer"));
        await _player.OnEventAsync(new AnswerDelta("t1", "the "));
        await _player.OnEventAsync(Audio("t1", 0, 4));
        Assert.Empty(_undeliverable); // not before the text is complete
        await _player.OnEventAsync(new AnswerDelta("t1", "answer"));
        await _player.OnEventAsync(Completed("t1", "the answer"));

        Assert.Equal([new UndeliverableAnswer("t1", "the answer")], _undeliverable);
        Assert.Empty(ReadAvailable());
        Assert.Equal(4, _player.DroppedFrames);
    }

    [Fact]
    public async Task Losing_the_output_mid_answer_hands_unfinished_answers_to_the_fallback_once()
    {
        await _player.SetOutputAvailable(true);
        await StartTurnAsync("done", 1);
        await _player.OnEventAsync(Completed("done"));
        Assert.Single(ReadAvailable());
        await _player.OnEventAsync(Started("t1", "first"));
        await _player.OnEventAsync(Audio("t1", 0, 3));
        Assert.True(_player.Frames.TryRead(out _));
        await _player.OnEventAsync(Started("t2", "second"));

        await _player.SetOutputAvailable(false);
        await _player.OnEventAsync(Audio("t1", 3, 2));
        await _player.SetOutputAvailable(false);
        await _player.OnEventAsync(Completed("t1", "first"));
        await _player.OnEventAsync(Completed("t2", "second"));

        Assert.Equal([new UndeliverableAnswer("t1", "first"), new UndeliverableAnswer("t2", "second")], _undeliverable);
        Assert.Equal(0, _player.QueuedFrames);

        await _player.SetOutputAvailable(true);
        await StartTurnAsync("t3", 1);
        Assert.Equal([Frame("t3", 0)], ReadAvailable());
    }

    [Fact]
    public async Task A_full_queue_drops_the_oldest_frames_and_counts_them()
    {
        await using var small = new SessionAudioPlayer("discord-2", 4, _ => Task.CompletedTask, NullLogger<SessionAudioPlayer>.Instance);
        await small.SetOutputAvailable(true);
        await small.OnEventAsync(Started("t1"));
        await small.OnEventAsync(Audio("t1", 0, 6));

        List<byte[]> frames = [];
        while (small.Frames.TryRead(out var frame))
        {
            frames.Add(frame.ToArray());
        }

        Assert.Equal(Enumerable.Range(2, 4).Select(i => Frame("t1", i)), frames);
        Assert.Equal(2, small.DroppedFrames);
    }

    [Fact]
    public async Task A_failed_turn_drops_its_queued_frames()
    {
        await _player.SetOutputAvailable(true);
        await StartTurnAsync("t1", 3);
        await _player.OnEventAsync(new TurnFailed("t1", "tts failed"));

        Assert.Empty(ReadAvailable());
        Assert.Equal(3, _player.DroppedFrames);
    }

    [Fact]
    public async Task Disposing_ends_the_reader()
    {
        var waiting = _player.Frames.WaitToReadAsync(TestContext.Current.CancellationToken).AsTask();

        await _player.DisposeAsync();

        Assert.False(await waiting);
    }

    [Fact]
    public async Task A_failing_fallback_does_not_break_later_answers()
    {
        await using var player = new SessionAudioPlayer("discord-3", 10, _ => throw new InvalidOperationException("chat down"), NullLogger<SessionAudioPlayer>.Instance);
        await player.OnEventAsync(Started("t1"));
        await player.SetOutputAvailable(true);
        await player.OnEventAsync(Started("t2"));
        await player.OnEventAsync(Audio("t2", 0, 1));

        Assert.True(player.Frames.TryRead(out var frame));
        Assert.Equal(Frame("t2", 0), frame.ToArray());
    }

    [Fact]
    public async Task An_action_runs_once_the_answer_has_been_played_and_only_once()
    {
        await _player.SetOutputAvailable(true);
        await StartTurnAsync("t1", 2);
        await _player.OnEventAsync(new AgentActionRequested("t1", new AgentAction(AgentAction.LeaveVoiceChannel)));
        await _player.OnEventAsync(Completed("t1", "Goodbye."));
        Assert.True(_player.Frames.TryRead(out _));
        lock (_actions)
        {
            Assert.Empty(_actions); // one frame is still to play: nothing was even scheduled
        }

        Assert.True(_player.Frames.TryRead(out _));
        await TestWait.UntilAsync(
            () =>
            {
                lock (_actions)
                {
                    return _actions.Count == 1;
                }
            },
            "the action after the last frame");
        Assert.Equal(AgentAction.LeaveVoiceChannel, _actions[0].Kind);
    }
}
