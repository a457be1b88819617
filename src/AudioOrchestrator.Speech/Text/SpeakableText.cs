using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace AudioOrchestrator.Speech;

/// <summary>
/// Turns what a language model writes (markdown, links, code, emoji) into text a speech engine can read aloud:
/// code blocks are dropped, inline code, link texts and emphasised words are kept without their markup, bare URLs
/// become their host name, list and heading markers, table pipes, HTML tags and emoji disappear.
/// </summary>
public static partial class SpeakableText
{
    /// <summary>The speakable form of <paramref name="text"/>; empty when nothing in it can be said.</summary>
    public static string FromMarkdown(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (text.Length == 0)
        {
            return text;
        }

        var s = FencedCode().Replace(text, " ");
        s = InlineCode().Replace(s, "$1");
        s = Image().Replace(s, "$1");
        s = Link().Replace(s, "$1");
        s = BareUrl().Replace(s, m => HostOf(m.Value));
        s = HtmlTag().Replace(s, " ");
        s = TableRule().Replace(s, " ");
        s = HorizontalRule().Replace(s, " ");
        s = LineMarker().Replace(s, "");
        s = StrongOrEmphasis().Replace(s, "$2");
        s = UnderscoreEmphasis().Replace(s, "$2");
        s = Strikethrough().Replace(s, "$1");
        s = StrayMarkup().Replace(s, "");
        s = TableRow().Replace(s, m => string.Join(", ", m.Groups[1].Value.Split('|').Select(c => c.Trim()).Where(c => c.Length > 0)));
        s = TablePipe().Replace(s, ", ");
        s = WithoutEmoji(s);
        return Whitespace().Replace(s, " ").Trim().Trim(',').Trim();
    }

    /// <summary>True when <paramref name="text"/> has a letter or digit to say.</summary>
    public static bool HasWords(string text) => text is not null && text.Any(char.IsLetterOrDigit);

    private static string HostOf(string url)
    {
        var candidate = url.StartsWith("www.", StringComparison.OrdinalIgnoreCase) ? "http://" + url : url;
        candidate = candidate.TrimEnd('.', ',', ';', ':', '!', '?');
        if (Uri.TryCreate(candidate, UriKind.Absolute, out var uri) && uri.Host.Length > 0)
        {
            var host = uri.Host.StartsWith("www.", StringComparison.OrdinalIgnoreCase) ? uri.Host[4..] : uri.Host;
            return host;
        }

        return "";
    }

    /// <summary>Drops pictographs (emoji), their joiners, variation selectors, skin tones and flags; keeps symbols such as ° or €.</summary>
    private static string WithoutEmoji(string text)
    {
        if (text.All(c => c < 0x2190))
        {
            return text;
        }

        var builder = new StringBuilder(text.Length);
        foreach (var rune in text.EnumerateRunes())
        {
            var value = rune.Value;
            var pictograph = value >= 0x2190 && Rune.GetUnicodeCategory(rune) is UnicodeCategory.OtherSymbol or UnicodeCategory.ModifierSymbol;
            var joiner = value is 0x200D or 0xFE0E or 0xFE0F or 0x20E3 || (value >= 0x1F3FB && value <= 0x1F3FF) || (value >= 0xE0020 && value <= 0xE007F);
            if (!pictograph && !joiner)
            {
                builder.Append(rune.ToString());
            }
        }

        return builder.ToString();
    }

    [GeneratedRegex(@"```.*?(?:```|\z)", RegexOptions.Singleline | RegexOptions.CultureInvariant)]
    private static partial Regex FencedCode();

    [GeneratedRegex(@"`([^`\n]+)`", RegexOptions.CultureInvariant)]
    private static partial Regex InlineCode();

    [GeneratedRegex(@"!\[([^\]]*)\]\([^)]*\)", RegexOptions.CultureInvariant)]
    private static partial Regex Image();

    [GeneratedRegex(@"\[([^\]]+)\]\([^)]*\)", RegexOptions.CultureInvariant)]
    private static partial Regex Link();

    [GeneratedRegex(@"\b(?:https?://|www\.)[^\s<>()\[\]]+", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex BareUrl();

    [GeneratedRegex(@"</?[A-Za-z][A-Za-z0-9-]*(?:\s[^<>]*)?/?>", RegexOptions.CultureInvariant)]
    private static partial Regex HtmlTag();

    [GeneratedRegex(@"(?m)^\s*\|?\s*:?-{3,}:?\s*(?:\|\s*:?-{3,}:?\s*)*\|?\s*$", RegexOptions.CultureInvariant)]
    private static partial Regex TableRule();

    [GeneratedRegex(@"(?m)^\s*([-*_])(?:\s*\1){2,}\s*$", RegexOptions.CultureInvariant)]
    private static partial Regex HorizontalRule();

    [GeneratedRegex(@"(?m)^[ \t]{0,3}(?:#{1,6}[ \t]+|>[ \t]?|[-*+][ \t]+|\d{1,3}[.)][ \t]+)", RegexOptions.CultureInvariant)]
    private static partial Regex LineMarker();

    [GeneratedRegex(@"(\*{1,3})(?=\S)(.+?)(?<=\S)\1", RegexOptions.CultureInvariant)]
    private static partial Regex StrongOrEmphasis();

    [GeneratedRegex(@"(?<![\w])(_{1,3})(?=\S)(.+?)(?<=\S)\1(?![\w])", RegexOptions.CultureInvariant)]
    private static partial Regex UnderscoreEmphasis();

    [GeneratedRegex(@"~~(.+?)~~", RegexOptions.CultureInvariant)]
    private static partial Regex Strikethrough();

    [GeneratedRegex(@"\*+|`+|~~|(?<!\w)_{2,}|_{2,}(?!\w)", RegexOptions.CultureInvariant)]
    private static partial Regex StrayMarkup();

    [GeneratedRegex(@"(?m)^[ \t]*\|(.*)\|[ \t]*$", RegexOptions.CultureInvariant)]
    private static partial Regex TableRow();

    [GeneratedRegex(@"\s*\|\s*", RegexOptions.CultureInvariant)]
    private static partial Regex TablePipe();

    [GeneratedRegex(@"\s+", RegexOptions.CultureInvariant)]
    private static partial Regex Whitespace();
}
