using AudioOrchestrator.Contracts;
using AudioOrchestrator.Grains.Conversations;

namespace AudioOrchestrator.Grains.Tests.Conversations;

/// <summary>An upload heard by two speaker activations (the first went away gracefully with it open), put together by the session.</summary>
public sealed class UploadPartsTests
{
    private static readonly SpeakerRef Ana = new("s", "ana");

    private static readonly DateTimeOffset Now = new(2026, 12, 6, 12, 0, 0, TimeSpan.Zero);

    private static InputCompletion Part(int utterances, bool inSpeech, long first, long next) =>
        new(Ana, "u", utterances, inSpeech, new HeardFrames(first, next, Speech: true), Partial: true);

    private static InputCompletion Rest(long first, bool speech) => new(Ana, "u", 0, Cut: true, new HeardFrames(first, 100, speech));

    [Fact]
    public void A_question_heard_whole_before_the_hand_over_is_not_cut_and_keeps_its_turns()
    {
        var parts = new UploadParts();
        Assert.Null(parts.Take(Part(1, inSpeech: false, 0, 92), Now)); // waits for the rest
        var completed = parts.Take(Rest(92, speech: false), Now);
        Assert.Equal((1, false, "u"), (completed!.TurnCount, completed.Cut, completed.CorrelationId));
    }

    [Theory]
    [InlineData(true, 0, 92, 92, false)] // cut in the middle of speech
    [InlineData(false, 0, 80, 92, false)] // frames 80-91 heard by nobody
    [InlineData(false, 0, 92, 92, true)] // the rest had speech: a question was split
    [InlineData(false, 8, 92, 92, false)] // the first part itself began in the middle
    public void Anything_missing_makes_the_upload_cut(bool inSpeech, long partFirst, long partNext, long restFirst, bool restSpeech)
    {
        var parts = new UploadParts();
        parts.Take(Part(1, inSpeech, partFirst, partNext), Now);
        var completed = parts.Take(Rest(restFirst, restSpeech), Now);
        Assert.Equal((1, true), (completed!.TurnCount, completed.Cut));
    }

    [Fact]
    public void A_part_cut_in_speech_is_told_at_once_and_inputs_without_parts_pass_through()
    {
        var parts = new UploadParts();
        var atOnce = parts.Take(Part(0, inSpeech: true, 0, 40), Now);
        Assert.Equal((0, true), (atOnce!.TurnCount, atOnce.Cut));

        var plain = parts.Take(new InputCompletion(Ana, "other", 2), Now);
        Assert.Equal((2, false, "other"), (plain!.TurnCount, plain.Cut, plain.CorrelationId));
        var live = parts.Take(new InputCompletion(Ana, null, 1), Now);
        Assert.Equal((1, false), (live!.TurnCount, live.Cut));
    }

    [Fact]
    public void Two_hand_overs_of_one_upload_count_both_parts_but_never_make_it_whole()
    {
        var parts = new UploadParts();
        parts.Take(Part(1, inSpeech: false, 0, 50), Now);
        parts.Take(Part(1, inSpeech: false, 50, 92) with { Cut = false }, Now);
        var completed = parts.Take(Rest(92, speech: false), Now);
        Assert.Equal((2, true), (completed!.TurnCount, completed.Cut));
    }

    [Fact]
    public void Only_the_latest_parts_are_kept()
    {
        var parts = new UploadParts();
        for (var i = 0; i <= UploadParts.Capacity; i++)
        {
            parts.Take(Part(1, inSpeech: false, 0, 92) with { CorrelationId = $"u{i}" }, Now);
        }

        Assert.Null(parts.Take(Rest(92, speech: false) with { CorrelationId = "u0" }, Now)); // forgotten: the rest waits for it ...
        Assert.False(parts.Take(Rest(92, speech: false) with { CorrelationId = $"u{UploadParts.Capacity}" }, Now)!.Cut);
        Assert.True(Assert.Single(parts.Expire(Now + UploadParts.PartWait)).Cut); // ... and is a cut once it waited long enough
    }

    [Fact]
    public void A_rest_that_comes_before_its_part_waits_for_it()
    {
        // The stopping silo's speaker reported its part while the session was migrating: the rest got there first.
        var parts = new UploadParts();
        Assert.Null(parts.Take(Rest(92, speech: false), Now));
        Assert.True(parts.AnyRestWaiting);
        Assert.Empty(parts.Expire(Now + UploadParts.PartWait - TimeSpan.FromMilliseconds(1)));

        var completed = parts.Take(Part(1, inSpeech: false, 0, 92), Now + TimeSpan.FromSeconds(1));

        Assert.Equal((1, false, "u"), (completed!.TurnCount, completed.Cut, completed.CorrelationId));
        Assert.False(parts.AnyRestWaiting);
        Assert.Empty(parts.Expire(Now + TimeSpan.FromMinutes(1)));
    }

    [Fact]
    public void A_rest_whose_part_never_comes_is_cut_after_the_wait()
    {
        var parts = new UploadParts();
        Assert.Null(parts.Take(Rest(92, speech: false), Now));

        var expired = Assert.Single(parts.Expire(Now + UploadParts.PartWait));

        Assert.Equal((0, true, "u"), (expired.TurnCount, expired.Cut, expired.CorrelationId));
        Assert.False(parts.AnyRestWaiting);
    }

    [Fact]
    public void A_rest_whose_part_was_lost_with_its_silo_is_cut_at_once_but_a_part_already_there_is_used()
    {
        // The ingress had to send the rest's first batch again: the activation that heard the part was lost.
        var parts = new UploadParts();
        var atOnce = parts.Take(Rest(92, speech: false) with { PartLost = true }, Now);

        Assert.Equal((0, true, "u"), (atOnce!.TurnCount, atOnce.Cut, atOnce.CorrelationId));
        Assert.False(parts.AnyRestWaiting);

        parts.Take(Part(1, inSpeech: false, 0, 92) with { CorrelationId = "v" }, Now);
        var whole = parts.Take(Rest(92, speech: false) with { CorrelationId = "v", PartLost = true }, Now);
        Assert.Equal((1, false), (whole!.TurnCount, whole.Cut));
    }

    [Fact]
    public void What_waits_moves_to_the_next_activation()
    {
        var before = new UploadParts();
        before.Take(Part(1, inSpeech: false, 0, 92), Now);
        before.Take(Rest(92, speech: false) with { CorrelationId = "v" }, Now);

        var after = new UploadParts();
        after.Restore(before.Snapshot());

        Assert.False(after.Take(Rest(92, speech: false), Now)!.Cut); // the part came along
        Assert.False(after.Take(Part(1, inSpeech: false, 0, 92) with { CorrelationId = "v" }, Now)!.Cut); // and the rest
        Assert.Empty(after.Snapshot());
    }
}
