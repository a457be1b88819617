using AudioOrchestrator.Grains.WakeWords;

namespace AudioOrchestrator.Grains.Tests.Listening;

public sealed class WakeGateTests
{
    private static readonly WakePhraseMatcher Matcher = new(["hey orchestrator"], 0.34);
    private static readonly TimeSpan Window = TimeSpan.FromSeconds(10);
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Always_listening_accepts_everything_and_strips_a_wake_phrase()
    {
        var gate = new WakeGate();

        var plain = gate.Judge("echo hello", WakeMode.AlwaysListening, Matcher, Window, T0, T0, AcousticWake.NotRun);
        var woken = gate.Judge("hey orchestrator echo hello", WakeMode.AlwaysListening, Matcher, Window, T0, T0, AcousticWake.NotRun);

        Assert.Equal((true, "echo hello", (string?)null), (plain.Accepted, plain.Transcript, plain.WakePhrase));
        Assert.Equal((true, "echo hello", "hey orchestrator"), (woken.Accepted, woken.Transcript, woken.WakePhrase));
        Assert.True(gate.NeedsTranscript(WakeMode.AlwaysListening, T0, AcousticWake.NotSpotted));
    }

    [Fact]
    public void Wake_required_drops_before_speech_to_text_when_nothing_was_spotted()
    {
        var gate = new WakeGate();

        Assert.False(gate.NeedsTranscript(WakeMode.WakeRequired, T0, AcousticWake.NotSpotted));
        Assert.True(gate.NeedsTranscript(WakeMode.WakeRequired, T0, AcousticWake.Spotted));
        Assert.True(gate.NeedsTranscript(WakeMode.WakeRequired, T0, AcousticWake.NotRun));
        Assert.False(gate.Judge("hey orchestrator help", WakeMode.WakeRequired, Matcher, Window, T0, T0, AcousticWake.NotSpotted).Accepted);
    }

    [Fact]
    public void Wake_required_needs_the_transcript_to_confirm_the_wake_phrase()
    {
        var gate = new WakeGate();

        var unconfirmed = gate.Judge("what time is it", WakeMode.WakeRequired, Matcher, Window, T0, T0, AcousticWake.Spotted);
        var confirmed = gate.Judge("hey orchestra what time is it", WakeMode.WakeRequired, Matcher, Window, T0, T0, AcousticWake.Spotted);

        Assert.False(unconfirmed.Accepted);
        Assert.Contains("wake phrase", unconfirmed.Reason, StringComparison.Ordinal);
        Assert.Equal((true, "what time is it"), (confirmed.Accepted, confirmed.Transcript));
    }

    [Fact]
    public void Follow_ups_within_the_window_need_no_wake_phrase_and_extend_it()
    {
        var gate = new WakeGate();
        Assert.True(gate.Judge("hey orchestrator help", WakeMode.WakeRequired, Matcher, Window, T0, T0.AddSeconds(1), AcousticWake.Spotted).Accepted);

        var followUp = T0.AddSeconds(9);
        Assert.False(gate.RequiresWake(WakeMode.WakeRequired, followUp));
        Assert.True(gate.NeedsTranscript(WakeMode.WakeRequired, followUp, AcousticWake.NotSpotted));
        Assert.True(gate.Judge("what time is it", WakeMode.WakeRequired, Matcher, Window, followUp, followUp.AddSeconds(1), AcousticWake.NotRun).Accepted);

        // Extended from the follow-up's decision (10 s), then closed.
        Assert.False(gate.RequiresWake(WakeMode.WakeRequired, T0.AddSeconds(19)));
        Assert.True(gate.RequiresWake(WakeMode.WakeRequired, T0.AddSeconds(21)));
        Assert.False(gate.Judge("what time is it", WakeMode.WakeRequired, Matcher, Window, T0.AddSeconds(21), T0.AddSeconds(22), AcousticWake.NotRun).Accepted);
    }

    [Fact]
    public void A_wake_phrase_alone_is_passed_on_whole()
    {
        var verdict = new WakeGate().Judge("hey orchestrator", WakeMode.WakeRequired, Matcher, Window, T0, T0, AcousticWake.Spotted);

        Assert.Equal((true, "hey orchestrator", "hey orchestrator"), (verdict.Accepted, verdict.Transcript, verdict.WakePhrase));
    }
}
