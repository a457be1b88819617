using System.Text;

namespace AudioOrchestrator.Speech;

/// <summary>
/// Cuts text that arrives in pieces (a language model's stream) into speakable sentences as soon as each is complete,
/// so the first sentence can be synthesised while the rest is still being written. Fenced code blocks are skipped
/// even when their fences arrive split across pieces; each sentence goes through <see cref="SpeakableText"/>.
/// </summary>
/// <remarks>
/// A sentence ends at <c>.</c>, <c>!</c>, <c>?</c> or <c>…</c> followed by white space (not in "3.5", "e.g.", "Dr.",
/// initials or a list number), at a line break, or, when it grows past the length limit without one, at the last
/// comma or space before the limit. A sentence whose terminator is the last character that has arrived is released at
/// once when it cannot be anything else ("Paris." is, "3." waits for the next piece).
/// Not thread-safe: one per answer.
/// </remarks>
public sealed class SentenceAssembler
{
    private const string Fence = "```";

    private static readonly HashSet<string> Abbreviations = new(StringComparer.OrdinalIgnoreCase)
    {
        "mr", "mrs", "ms", "dr", "prof", "sr", "jr", "st", "vs", "etc", "e.g", "i.e", "approx", "no", "cf",
    };

    private readonly StringBuilder _pending = new();
    private readonly int _maxSentenceCharacters;
    private bool _inFence;

    /// <param name="maxSentenceCharacters">A sentence longer than this is cut at a comma or space.</param>
    public SentenceAssembler(int maxSentenceCharacters = 240)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxSentenceCharacters, 20);
        _maxSentenceCharacters = maxSentenceCharacters;
    }

    /// <summary>Adds the next piece of text; returns the speakable sentences it completed (often none).</summary>
    public IReadOnlyList<string> Append(string piece)
    {
        ArgumentNullException.ThrowIfNull(piece);
        _pending.Append(piece);
        return Scan(final: false);
    }

    /// <summary>The text has ended: returns what is left as speakable sentences.</summary>
    public IReadOnlyList<string> Complete()
    {
        var sentences = Scan(final: true);
        _pending.Clear();
        _inFence = false;
        return sentences;
    }

    private List<string> Scan(bool final)
    {
        var text = _pending.ToString();
        var sentences = new List<string>();
        var position = 0;
        while (position < text.Length)
        {
            if (_inFence)
            {
                var close = text.IndexOf(Fence, position, StringComparison.Ordinal);
                if (close < 0)
                {
                    // Keep what could be the start of the closing fence.
                    position = final ? text.Length : Math.Max(position, text.Length - (Fence.Length - 1));
                    break;
                }

                var lineEnd = text.IndexOf('\n', close);
                _inFence = false;
                position = lineEnd < 0 ? close + Fence.Length : lineEnd + 1;
                continue;
            }

            var fence = text.IndexOf(Fence, position, StringComparison.Ordinal);
            var boundary = FindBoundary(text, position, fence < 0 ? text.Length : fence, final);
            if (fence >= 0 && boundary < 0)
            {
                Emit(text.AsSpan(position, fence - position), sentences);
                _inFence = true;
                position = fence + Fence.Length;
                continue;
            }

            if (boundary >= 0)
            {
                Emit(text.AsSpan(position, boundary - position), sentences);
                position = boundary;
                continue;
            }

            // No fence: a backtick or two at the end may become one; keep them until the next piece.
            if (text.Length - position > _maxSentenceCharacters)
            {
                var cut = CutPoint(text, position, position + _maxSentenceCharacters);
                Emit(text.AsSpan(position, cut - position), sentences);
                position = cut;
                continue;
            }

            if (final)
            {
                Emit(text.AsSpan(position), sentences);
                position = text.Length;
            }

            break;
        }

        _pending.Clear();
        if (position < text.Length)
        {
            _pending.Append(text, position, text.Length - position);
        }

        return sentences;
    }

    /// <summary>The end (exclusive) of the first complete sentence in text[start..limit), or -1.</summary>
    private static int FindBoundary(string text, int start, int limit, bool final)
    {
        for (var i = start; i < limit; i++)
        {
            var c = text[i];
            if (c == '\n')
            {
                return i + 1;
            }

            if (c is not ('.' or '!' or '?' or '…'))
            {
                continue;
            }

            var end = i + 1;
            while (end < text.Length && text[end] is '.' or '!' or '?' or '…')
            {
                end++;
            }

            while (end < text.Length && text[end] is '"' or '\'' or ')' or ']' or '»' or '”' or '’' or '*' or '_')
            {
                end++;
            }

            if (end >= text.Length)
            {
                // At the end of what has arrived: "!" and "?" end a sentence, and so does "." after a word (not after a
                // digit, which may become "3.5", nor after an abbreviation or a single letter); otherwise the next piece decides.
                var ends = final || c is '!' or '?' or '…' || (c == '.' && EndsAWord(text, start, i));
                return ends && end <= limit ? end : -1;
            }

            if (!char.IsWhiteSpace(text[end]))
            {
                continue;
            }

            if (c == '.' && end == i + 1 && (IsAbbreviation(text, start, i) || IsListNumber(text, start, i)))
            {
                continue;
            }

            return Math.Min(end, limit);
        }

        return -1;
    }

    private static bool EndsAWord(string text, int start, int dot)
    {
        var wordStart = dot;
        while (wordStart > start && char.IsLetter(text[wordStart - 1]))
        {
            wordStart--;
        }

        return dot - wordStart >= 2 && (wordStart == start || text[wordStart - 1] != '.') && !IsAbbreviation(text, start, dot);
    }

    private static bool IsAbbreviation(string text, int start, int dot)
    {
        var wordStart = dot;
        while (wordStart > start && (char.IsLetter(text[wordStart - 1]) || text[wordStart - 1] == '.'))
        {
            wordStart--;
        }

        var word = text.AsSpan(wordStart, dot - wordStart);
        if (word.Length == 1 && char.IsUpper(word[0]))
        {
            return true; // an initial: "J. R. R. Tolkien"
        }

        return word.Length > 0 && Abbreviations.Contains(word.ToString());
    }

    private static bool IsListNumber(string text, int start, int dot)
    {
        var i = dot;
        while (i > start && char.IsAsciiDigit(text[i - 1]))
        {
            i--;
        }

        if (i == dot)
        {
            return false;
        }

        while (i > start && text[i - 1] is ' ' or '\t')
        {
            i--;
        }

        return i == start || text[i - 1] == '\n';
    }

    private static int CutPoint(string text, int start, int limit)
    {
        foreach (var separator in new[] { ", ", "; ", ": ", " - ", " " })
        {
            var at = text.LastIndexOf(separator, limit - 1, limit - start, StringComparison.Ordinal);
            if (at > start + (limit - start) / 3)
            {
                return at + separator.Length;
            }
        }

        return limit;
    }

    private static void Emit(ReadOnlySpan<char> raw, List<string> sentences)
    {
        if (raw.IsWhiteSpace())
        {
            return;
        }

        var speakable = SpeakableText.FromMarkdown(raw.ToString());
        if (SpeakableText.HasWords(speakable))
        {
            sentences.Add(speakable);
        }
    }
}
