using AudioOrchestrator.Grains.WakeWords;

namespace AudioOrchestrator.Grains.Tests.Listening;

public sealed class WakePhraseMatcherTests
{
    private static readonly WakePhraseMatcher Matcher = new(["hey orchestrator", "ok computer"], 0.34);

    [Theory]
    [InlineData("hey orchestrator echo good morning", "hey orchestrator", "echo good morning")]
    [InlineData("Hey, Orchestrator! What time is it?", "hey orchestrator", "what time is it")]
    [InlineData("hey orchestra echo good morning", "hey orchestrator", "echo good morning")]
    [InlineData("hay orchestrator help", "hey orchestrator", "help")]
    [InlineData("ok computer what time is it", "ok computer", "what time is it")]
    [InlineData("hey orchestrator", "hey orchestrator", "")]
    public void Finds_and_strips_the_wake_phrase_despite_small_slips(string transcript, string phrase, string remainder)
    {
        var match = Matcher.Match(transcript);

        Assert.NotNull(match);
        Assert.Equal((phrase, remainder), (match!.Phrase, match.Remainder));
    }

    [Theory]
    [InlineData("echo hello world")]
    [InlineData("what time is it")]
    [InlineData("the orchestra played")]
    [InlineData("orchestrator what time is it")]
    [InlineData("")]
    [InlineData("echo hey orchestrator")]
    public void Rejects_transcripts_that_do_not_start_with_a_wake_phrase(string transcript) =>
        Assert.Null(Matcher.Match(transcript));

    [Fact]
    public void An_exact_match_has_distance_zero_and_a_slip_costs_its_letter_distance()
    {
        Assert.Equal(0, Matcher.Match("hey orchestrator help")!.Distance);

        // "orchestra" vs "orchestrator": 3 of 12 letters, over 2 phrase words.
        Assert.Equal(3.0 / 12 / 2, Matcher.Match("hey orchestra help")!.Distance, 6);
    }

    [Fact]
    public void Threshold_zero_accepts_only_exact_phrases()
    {
        var strict = new WakePhraseMatcher(["hey orchestrator"], 0);

        Assert.NotNull(strict.Match("hey orchestrator help"));
        Assert.Null(strict.Match("hey orchestra help"));
    }

    [Theory]
    [InlineData("abc", "abc", 0)]
    [InlineData("abc", "abd", 1.0 / 3)]
    [InlineData("a", "hey", 1)]
    [InlineData("", "ab", 1)]
    public void Letter_distance_is_normalised_by_the_longer_word(string a, string b, double expected) =>
        Assert.Equal(expected, WakePhraseMatcher.LetterDistance(a, b), 6);
}
