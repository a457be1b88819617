using AudioOrchestrator.Grains.Conversations;
using Microsoft.Extensions.Time.Testing;

namespace AudioOrchestrator.Grains.Tests.Conversations;

/// <summary>The session's barge-in bookkeeping on a fake clock.</summary>
public sealed class BargeInStateTests
{
    private readonly FakeTimeProvider _clock = new(DateTimeOffset.Parse("2026-12-05T12:00:00Z", System.Globalization.CultureInfo.InvariantCulture));
    private readonly BargeInState _state;
    private readonly SpokenAnswer _spoken = new();

    public BargeInStateTests() => _state = new BargeInState(_clock);

    [Fact]
    public void Nothing_live_means_nothing_to_pause()
    {
        Assert.Equal(PauseOutcome.NotSpeaking, _state.Pause("bob"));
        Assert.Null(_state.Settle("bob", interrupt: true));
    }

    [Fact]
    public void While_the_agent_thinks_the_answer_is_live()
    {
        _state.Begin("t1", _spoken);

        Assert.Equal("t1", _state.SpeakingTurnId);
        Assert.Equal(PauseOutcome.Paused, _state.Pause("bob"));
        Assert.Equal(PauseOutcome.AlreadyPaused, _state.Pause("carol"));
    }

    [Fact]
    public void A_finished_answer_is_live_until_its_audio_has_played_and_pauses_extend_it()
    {
        _state.Begin("t1", _spoken);
        _spoken.Add("One two.", frames: 50, _clock.GetUtcNow()); // one second of audio
        _state.Finish("t1");

        _clock.Advance(TimeSpan.FromMilliseconds(500));
        Assert.Equal(PauseOutcome.Paused, _state.Pause("bob"));
        _clock.Advance(TimeSpan.FromMilliseconds(300));
        Assert.True(_state.Settle("bob", interrupt: false)!.Resumed);

        // 1 s of audio + 0.3 s paused: still live at 1.2 s, over at 1.3 s.
        _clock.Advance(TimeSpan.FromMilliseconds(400));
        Assert.Equal("t1", _state.SpeakingTurnId);
        _clock.Advance(TimeSpan.FromMilliseconds(100));
        Assert.Null(_state.SpeakingTurnId);
        Assert.Equal(PauseOutcome.NotSpeaking, _state.Pause("bob"));
    }

    [Fact]
    public void The_pause_lifts_only_when_the_last_speaker_settles()
    {
        _state.Begin("t1", _spoken);
        _state.Pause("bob");
        _state.Pause("carol");

        Assert.False(_state.Settle("bob", interrupt: false)!.Resumed);
        Assert.True(_state.Settle("carol", interrupt: false)!.Resumed);
    }

    [Fact]
    public void An_interruption_says_what_had_been_heard_at_the_pause()
    {
        _state.Begin("t1", _spoken);
        _spoken.Add("Paris is the capital of France.", frames: 100, _clock.GetUtcNow());
        _spoken.Add("It is big.", frames: 50, _clock.GetUtcNow() + TimeSpan.FromSeconds(2));
        _state.Finish("t1");

        _clock.Advance(TimeSpan.FromMilliseconds(2500)); // the second sentence is half played
        _state.Pause("bob");
        _clock.Advance(TimeSpan.FromMilliseconds(500)); // the pause holds the audio while bob talks on
        var settled = _state.Settle("bob", interrupt: true)!;

        Assert.True(settled.Interrupted);
        Assert.Equal("Paris is the capital of France. It…", settled.SpokenText); // 25 of the 50 frames of "It is big.": one word of three
        Assert.Equal(settled.SpokenText, _spoken.InterruptedText);
        Assert.Null(_state.SpeakingTurnId);
    }

    [Fact]
    public void An_interruption_before_any_audio_keeps_nothing()
    {
        _state.Begin("t1", _spoken);
        _state.Pause("bob");

        Assert.Equal("", _state.Settle("bob", interrupt: true)!.SpokenText);
    }

    [Fact]
    public void A_new_answer_replaces_the_previous_one_and_clear_forgets_it()
    {
        _state.Begin("t1", _spoken);
        _state.Begin("t2", new SpokenAnswer());
        Assert.Equal("t2", _state.SpeakingTurnId);

        _state.Clear();
        Assert.Null(_state.SpeakingTurnId);
    }
}
