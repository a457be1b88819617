namespace AudioOrchestrator.Speech.Tests.Text;

public sealed class SpeakableTextTests
{
    [Theory]
    [InlineData("**Paris** is the _capital_ of France.", "Paris is the capital of France.")]
    [InlineData("See [the docs](https://example.com/a?b=c) for more.", "See the docs for more.")]
    [InlineData("Go to https://www.example.com/path/page.html now.", "Go to example.com now.")]
    [InlineData("Run `dotnet test` first.", "Run dotnet test first.")]
    [InlineData("## Summary\n- one\n- two", "Summary one two")]
    [InlineData("1. First\n2. Second", "First Second")]
    [InlineData("Great job! 🎉👍🏽", "Great job!")]
    [InlineData("It is 25°C and costs 3 €.", "It is 25°C and costs 3 €.")]
    [InlineData("snake_case_name stays", "snake_case_name stays")]
    [InlineData("Before\n```python\nprint('x')\n```\nAfter", "Before After")]
    [InlineData("| a | b |\n|---|---|\n| 1 | 2 |", "a, b 1, 2")]
    [InlineData("Use <b>bold</b> text", "Use bold text")]
    [InlineData("~~old~~ new", "old new")]
    [InlineData("👍", "")]
    public void Markdown_becomes_what_can_be_said(string markdown, string speakable) =>
        Assert.Equal(speakable, SpeakableText.FromMarkdown(markdown));

    [Theory]
    [InlineData("hello", true)]
    [InlineData("42", true)]
    [InlineData("...!?", false)]
    [InlineData("", false)]
    public void Has_words_tells_whether_anything_is_left_to_say(string text, bool expected) =>
        Assert.Equal(expected, SpeakableText.HasWords(text));
}
