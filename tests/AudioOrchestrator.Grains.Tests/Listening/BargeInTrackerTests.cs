using AudioOrchestrator.Grains.BargeIn;

namespace AudioOrchestrator.Grains.Tests.Listening;

public sealed class BargeInTrackerTests
{
    private static BargeInTracker Create(bool enabled = true) =>
        new(new BargeInOptions { Enabled = enabled, MinSpeechMs = 500, ResumeAfterSilenceMs = 300 });

    /// <summary>Feeds 20 ms decisions ('s' speech, '.' silence) and returns the non-empty signals with their frame index.</summary>
    private static List<(int Frame, BargeInSignal Signal)> Run(BargeInTracker tracker, string frames, bool? addressed = true)
    {
        var signals = new List<(int, BargeInSignal)>();
        for (var i = 0; i < frames.Length; i++)
        {
            var signal = tracker.Frame(frames[i] == 's', 20, addressed);
            if (signal != BargeInSignal.None)
            {
                signals.Add((i, signal));
            }
        }

        return signals;
    }

    [Fact]
    public void Onset_pauses_and_sustained_speech_interrupts_at_the_minimum_length()
    {
        var tracker = Create();

        Assert.Equal(BargeInSignal.Pause, tracker.Onset());
        var signals = Run(tracker, new string('s', 40));

        Assert.Equal([(24, BargeInSignal.Interrupt)], signals); // the 25th frame completes 500 ms
        Assert.Equal(BargeInSignal.None, tracker.BurstEnded());
    }

    [Fact]
    public void A_short_backchannel_resumes_after_the_silence()
    {
        var tracker = Create();
        tracker.Onset();

        var signals = Run(tracker, "ssssssssss" + new string('.', 20));

        Assert.Equal([(24, BargeInSignal.Resume)], signals); // 10 speech frames, then 15 silent ones = 300 ms
    }

    [Fact]
    public void Speech_with_short_gaps_adds_up_to_an_interrupt()
    {
        var tracker = Create();
        tracker.Onset();

        var signals = Run(tracker, string.Concat(Enumerable.Repeat("sssss....", 6)));

        Assert.Equal(BargeInSignal.Interrupt, Assert.Single(signals).Signal);
    }

    [Fact]
    public void Speech_not_addressed_to_the_assistant_resumes_and_unknown_waits()
    {
        var waiting = Create();
        waiting.Onset();
        Assert.Empty(Run(waiting, new string('s', 40), addressed: null));
        Assert.Equal([(0, BargeInSignal.Interrupt)], Run(waiting, "s", addressed: true));

        var other = Create();
        other.Onset();
        Assert.Equal([(0, BargeInSignal.Resume)], Run(other, "s", addressed: false));
    }

    [Fact]
    public void Burst_end_resumes_a_pending_pause_and_rearms()
    {
        var tracker = Create();
        tracker.Onset();
        Run(tracker, "ss");

        Assert.True(tracker.IsPending);
        Assert.Equal(BargeInSignal.Resume, tracker.BurstEnded());
        Assert.False(tracker.IsPending);
        Assert.Equal(BargeInSignal.Pause, tracker.Onset());
    }

    [Fact]
    public void Only_one_decision_per_burst_and_none_when_disabled()
    {
        var tracker = Create();
        tracker.Onset();
        Run(tracker, new string('s', 30));

        Assert.Equal(BargeInSignal.None, tracker.Onset());
        Assert.Empty(Run(tracker, new string('.', 30)));

        var disabled = Create(enabled: false);
        Assert.Equal(BargeInSignal.None, disabled.Onset());
        Assert.Empty(Run(disabled, new string('s', 40)));
    }
}
