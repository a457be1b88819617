using AudioOrchestrator.Load;
using AudioOrchestrator.Testing;

namespace AudioOrchestrator.Load.Tests;

/// <summary>
/// The harness' scenario with a handful of speakers, the service in this process: a Discord user (fake Discord: UDP,
/// AEAD, DAVE) and a live socket speaker take turns and are answered, and the run's figures can be computed. Nothing
/// here is timed: it waits for answers with generous timeouts.
/// </summary>
public sealed class LoadScenarioTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Discord_and_live_speakers_are_answered_and_the_figures_are_computed()
    {
        var clips = await SpeechClips.MakeAsync(Ct);
        var options = new LoadOptions(InProcess: true, LiveShare: 0.5);
        await using var run = await LoadRun.StartAsync(options, clips, maxSpeakers: 4, Ct);
        await run.GrowToAsync(4, Ct);
        Assert.Equal(4, run.Speakers);

        // Both transports answer at least two whole turns each (speakers start after a random pause of up to 3 s).
        var since = DateTimeOffset.UtcNow.AddMinutes(-1);
        await TestWait.UntilAsync(
            () => run.Turns.Between(since, DateTimeOffset.MaxValue) is var turns
                && turns.Count(t => t.Answered && !t.Split && t.Transport == "discord") >= 2
                && turns.Count(t => t.Answered && !t.Split && t.Transport == "live") >= 2,
            () => "two answered turns per transport; so far: " + string.Join(", ", run.Turns.Between(since, DateTimeOffset.MaxValue)),
            TimeSpan.FromMinutes(3));

        var answered = run.Turns.Between(since, DateTimeOffset.MaxValue).Where(t => t.Answered).ToList();
        Assert.All(answered, t =>
        {
            Assert.True(double.IsFinite(t.OverheadMs) && double.IsFinite(t.InSiloMs) && double.IsFinite(t.InputLagMs) && double.IsFinite(t.SendLagMs), t.ToString());

            // The service ends an utterance only after the question's last frame, unless the harness itself stalled
            // inside the question for longer than a frame (then a phrase pause grew past the end-of-utterance silence).
            Assert.True(t.InputLagMs > 0 || t.SendLagMs > 20, t.ToString());
        });
        Assert.True(double.IsFinite(Percentiles.Of(answered.Select(t => t.OverheadMs), 99)));
        Assert.Equal(0, await run.DroppedFramesAsync(Ct));
        var gauges = run.Target.Gauges();
        Assert.True(gauges.RssMb > 0 && gauges.Threads > 0 && gauges.Handles > 0 && gauges.CpuMs > 0, gauges.ToString());
    }

    [Fact]
    public async Task The_dsp_ceiling_and_batched_silero_are_measured_on_the_speakers_audio()
    {
        var clips = await SpeechClips.MakeAsync(Ct);
        Assert.True(DspCeiling.CpuMsPerSpeakerSecond(clips) > 0);
        var (direct, batched) = DspCeiling.SileroBatching(clips, speakers: 3, rounds: 5);
        Assert.True(direct > 0 && batched > 0, $"{direct} {batched}");
    }
}
