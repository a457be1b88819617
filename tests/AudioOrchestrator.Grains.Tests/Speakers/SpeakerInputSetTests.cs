using AudioOrchestrator.Grains.Speakers;

namespace AudioOrchestrator.Grains.Tests.Speakers;

/// <summary>The inputs a speaker has open: one live input, uploads by correlation id, bounded, abandoned uploads released.</summary>
public sealed class SpeakerInputSetTests
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan AbandonedAfter = TimeSpan.FromSeconds(30);

    private static SpeakerInputSet Set(int max = 3) =>
        new(max, AbandonedAfter, origin => SpeakerInputTests.Open(origin.IsLive, origin.CorrelationId, origin.CapturedAt));

    private static InputOrigin Upload(string id) => new(id, IsLive: false, T0, TraceParent: null);

    private static readonly InputOrigin LiveAudio = new(null, IsLive: true, T0, TraceParent: null);

    [Fact]
    public void The_same_origin_finds_the_same_input_and_live_audio_is_its_own()
    {
        using var set = Set();
        var live = set.GetOrOpen(LiveAudio, T0).Input;
        var upload = set.GetOrOpen(Upload("a"), T0).Input;

        Assert.Same(live, set.GetOrOpen(LiveAudio, T0 + TimeSpan.FromSeconds(1)).Input);
        Assert.Same(upload, set.GetOrOpen(Upload("a"), T0 + TimeSpan.FromSeconds(1)).Input);
        Assert.Same(live, set.Live);
        Assert.True(live!.IsLive);
        Assert.False(upload!.IsLive);
        Assert.Equal("a", upload.CorrelationId);
        Assert.Equal(2, set.Count);
    }

    [Fact]
    public void A_full_set_refuses_a_new_input_until_an_upload_has_been_quiet_past_the_timeout()
    {
        using var set = Set(max: 3);
        set.GetOrOpen(LiveAudio, T0);
        set.GetOrOpen(Upload("a"), T0);
        set.GetOrOpen(Upload("b"), T0 + TimeSpan.FromSeconds(10));

        var refused = set.GetOrOpen(Upload("c"), T0 + AbandonedAfter);
        Assert.Null(refused.Input);
        Assert.Empty(refused.Released);

        var later = T0 + AbandonedAfter + TimeSpan.FromMilliseconds(1);
        var opened = set.GetOrOpen(Upload("c"), later);

        Assert.NotNull(opened.Input);
        Assert.Equal(["a"], opened.Released.Select(r => r.CorrelationId));
        Assert.NotNull(set.Live); // live audio is never abandoned: it is released when idle, by the packet-gap timer
        Assert.Equal(3, set.Count);
    }

    [Fact]
    public void An_upload_that_keeps_sending_is_not_abandoned()
    {
        using var set = Set(max: 1);
        set.GetOrOpen(Upload("a"), T0);
        set.GetOrOpen(Upload("a"), T0 + TimeSpan.FromSeconds(25)); // it sent again

        Assert.Null(set.GetOrOpen(Upload("b"), T0 + TimeSpan.FromSeconds(40)).Input);
        Assert.NotNull(set.GetOrOpen(Upload("b"), T0 + TimeSpan.FromSeconds(56)).Input);
    }

    [Fact]
    public void Removing_hands_the_input_over_and_an_unknown_one_is_null()
    {
        using var set = Set();
        var upload = set.GetOrOpen(Upload("a"), T0).Input;

        using var removed = set.Remove("a", isLive: false);

        Assert.Same(upload, removed);
        Assert.Null(set.Remove("a", isLive: false));
        Assert.Null(set.Remove(null, isLive: true));
        Assert.Equal(0, set.Count);
    }
}
