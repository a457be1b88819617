namespace AudioOrchestrator.Speech;

/// <summary>Splits text into sentences on <c>.</c>, <c>!</c>, <c>?</c> and line breaks, keeping the punctuation.</summary>
internal static class SentenceSplitter
{
    public static List<string> Split(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var sentences = new List<string>();
        var start = 0;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (c is '\n' or '\r')
            {
                Add(sentences, text.AsSpan(start, i - start));
                start = i + 1;
            }
            else if (c is '.' or '!' or '?')
            {
                // Keep runs like "?!" or "..." together, and do not split "3.5".
                var end = i + 1;
                while (end < text.Length && text[end] is '.' or '!' or '?')
                {
                    end++;
                }

                var decimalPoint = c == '.' && end == i + 1 && i > 0 && char.IsDigit(text[i - 1])
                    && end < text.Length && char.IsDigit(text[end]);
                if (decimalPoint)
                {
                    continue;
                }

                Add(sentences, text.AsSpan(start, end - start));
                start = end;
                i = end - 1;
            }
        }

        Add(sentences, text.AsSpan(start));
        return sentences;

        static void Add(List<string> sentences, ReadOnlySpan<char> candidate)
        {
            var trimmed = candidate.Trim();
            // A fragment of punctuation only ("..." after a split) carries nothing to say.
            if (trimmed.IndexOfAnyExcept(".!?") >= 0)
            {
                sentences.Add(trimmed.ToString());
            }
        }
    }
}
