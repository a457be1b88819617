namespace AudioOrchestrator.Speech.Tests.Text;

public sealed class SentenceAssemblerTests
{
    /// <summary>Feeds the pieces one by one; returns the sentences completed after each piece, then the rest.</summary>
    private static (List<IReadOnlyList<string>> AfterEach, IReadOnlyList<string> AtEnd) Feed(params string[] pieces)
    {
        var assembler = new SentenceAssembler();
        var afterEach = pieces.Select(assembler.Append).ToList();
        return (afterEach, assembler.Complete());
    }

    [Fact]
    public void A_sentence_is_released_as_soon_as_its_end_has_arrived()
    {
        var (afterEach, atEnd) = Feed("Paris", ".", " It is", " lovely", " in spring", ".");

        Assert.Empty(afterEach[0]);
        Assert.Equal(["Paris."], afterEach[1]);
        Assert.Empty(afterEach[2]);
        Assert.Equal(["It is lovely in spring."], afterEach[5]);
        Assert.Empty(atEnd);
    }

    [Fact]
    public void A_dot_that_may_still_be_part_of_something_waits_for_the_next_piece()
    {
        var (afterEach, _) = Feed("It costs 3", ".", "5 euros", ". ", "Ask Dr", ".", " Smith");

        Assert.Empty(afterEach[1]); // "3." may become "3.5"
        Assert.Equal(["It costs 3.5 euros."], afterEach[3]);
        Assert.Empty(afterEach[5]); // "Dr." is not the end of a sentence
    }

    [Theory]
    [InlineData("It costs 3.5 euros. Cheap!", new[] { "It costs 3.5 euros.", "Cheap!" })]
    [InlineData("Dr. Smith said e.g. this. Then left.", new[] { "Dr. Smith said e.g. this.", "Then left." })]
    [InlineData("J. R. R. Tolkien wrote it. Yes.", new[] { "J. R. R. Tolkien wrote it.", "Yes." })]
    [InlineData("Really?! Wow... ok", new[] { "Really?!", "Wow...", "ok" })]
    [InlineData("Visit example.com today. Bye.", new[] { "Visit example.com today.", "Bye." })]
    [InlineData("Steps:\n1. Open it\n2. Close it", new[] { "Steps:", "Open it", "Close it" })]
    [InlineData("He said \"stop.\" Then quiet.", new[] { "He said \"stop.\"", "Then quiet." })]
    public void Sentences_end_where_a_reader_would_stop(string text, string[] expected)
    {
        // Word by word, as language models stream.
        var (afterEach, atEnd) = Feed([.. System.Text.RegularExpressions.Regex.Split(text, "(?= )")]);

        Assert.Equal(expected, afterEach.SelectMany(s => s).Concat(atEnd));
    }

    [Theory]
    [InlineData("It costs 3.5 euros. Cheap!")]
    [InlineData("He said \"stop.\" Then quiet.")]
    [InlineData("Really?! Wow... ok")]
    [InlineData("**Paris** is big. 🎉 Done.")]
    public void Character_by_character_every_word_is_said_once_in_order(string text)
    {
        var (afterEach, atEnd) = Feed([.. text.Select(c => c.ToString())]);
        var said = string.Join(' ', afterEach.SelectMany(s => s).Concat(atEnd));

        Assert.Equal(Words(SpeakableText.FromMarkdown(text)), Words(said));
    }

    private static string[] Words(string text) =>
        text.Split([' ', '.', '!', '?', '"', '…'], StringSplitOptions.RemoveEmptyEntries);

    [Fact]
    public void Code_blocks_are_skipped_even_when_their_fences_arrive_in_pieces()
    {
        var (afterEach, atEnd) = Feed("Here is code:\n`", "``py", "thon\nprint(1)\nx = 2.5\n`", "``\nDone. ", "Bye.");

        Assert.Equal(["Here is code:", "Done.", "Bye."], afterEach.SelectMany(s => s).Concat(atEnd));
    }

    [Fact]
    public void An_unterminated_code_block_says_nothing()
    {
        var (afterEach, atEnd) = Feed("Look:\n```\nwhile true; do\n");

        Assert.Equal(["Look:"], afterEach.SelectMany(s => s).Concat(atEnd));
    }

    [Fact]
    public void Markup_split_across_sentences_leaves_no_stray_symbols()
    {
        var (afterEach, atEnd) = Feed("**Paris. It is big.** 🎉 Yes.");

        Assert.Equal(["Paris.", "It is big.", "Yes."], afterEach.SelectMany(s => s).Concat(atEnd));
    }

    [Fact]
    public void A_long_run_without_punctuation_is_cut_at_a_comma_or_space()
    {
        var assembler = new SentenceAssembler(maxSentenceCharacters: 60);
        var words = string.Join(' ', Enumerable.Range(0, 40).Select(i => "word" + i));

        var sentences = assembler.Append(words).Concat(assembler.Complete()).ToArray();

        Assert.True(sentences.Length >= 4);
        Assert.All(sentences, s => Assert.InRange(s.Length, 1, 60));
        Assert.Equal(words, string.Join(' ', sentences));
    }

    [Fact]
    public void Nothing_speakable_yields_no_sentence()
    {
        var (afterEach, atEnd) = Feed("👍👍. ", "---\n", "***");

        Assert.Empty(afterEach.SelectMany(s => s).Concat(atEnd));
    }
}
