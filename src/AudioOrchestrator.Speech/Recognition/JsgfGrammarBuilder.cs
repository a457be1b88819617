using System.Globalization;
using System.Text;

namespace AudioOrchestrator.Speech;

/// <summary>A JSGF grammar built from a <see cref="SpeechVocabulary"/>.</summary>
/// <param name="Jsgf">The grammar text, or <see langword="null"/> when no phrase survived.</param>
/// <param name="CommandPhrases">Command phrases that are in the grammar.</param>
/// <param name="WakePhrases">Wake phrases that are in the grammar.</param>
/// <param name="DictationWords">Words that may stand for <c>{text}</c>.</param>
/// <param name="RejectedPhrases">Phrases left out because a word has no pronunciation (or an invalid character).</param>
/// <param name="FreeJsgf">
/// The rejection grammar: any sequence of the same words (wake, command and dictation words) with no structure, or
/// <see langword="null"/> when <paramref name="Jsgf"/> is.
/// </param>
internal sealed record JsgfGrammar(
    string? Jsgf,
    IReadOnlyList<string> CommandPhrases,
    IReadOnlyList<string> WakePhrases,
    IReadOnlyList<string> DictationWords,
    IReadOnlyList<string> RejectedPhrases,
    string? FreeJsgf = null)
{
    /// <summary>Whether <paramref name="hypothesis"/> is a command phrase with free dictation (after an optional wake phrase).</summary>
    public bool IsDictation(string hypothesis) => JsgfGrammarBuilder.MatchesDictationCommand(this, hypothesis);

    /// <summary>Whether every word of <paramref name="hypothesis"/> is in the grammar's vocabulary.</summary>
    public bool IsInVocabulary(string hypothesis) =>
        JsgfGrammarBuilder.Tokenize(hypothesis).All(w => DictationWords.Contains(w, StringComparer.Ordinal));
}

/// <summary>
/// Builds the grammar
/// <code>
/// public &lt;utterance&gt; = &lt;wake&gt; | [&lt;wake&gt;] &lt;command&gt;;
/// </code>
/// where <c>{text}</c> in a command becomes <c>&lt;dictation&gt;+</c>, one or more words of the dictation vocabulary
/// (the known words of <see cref="PocketSphinxOptions.DictationWords"/> plus every word of the phrases).
/// </summary>
internal static class JsgfGrammarBuilder
{
    private const string DictationRule = "<dictation>";


    public static JsgfGrammar Build(SpeechVocabulary vocabulary, IEnumerable<string> extraDictationWords, Func<string, bool> isKnownWord)
    {
        ArgumentNullException.ThrowIfNull(vocabulary);
        ArgumentNullException.ThrowIfNull(extraDictationWords);
        ArgumentNullException.ThrowIfNull(isKnownWord);

        var rejected = new List<string>();
        var commands = Accept(vocabulary.CommandPhrases, allowDictation: true, isKnownWord, rejected);
        var wakes = Accept(vocabulary.WakePhrases, allowDictation: false, isKnownWord, rejected);

        var dictation = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var word in extraDictationWords)
        {
            var normalized = NormalizeWord(word);
            if (normalized is not null && isKnownWord(normalized))
            {
                dictation.Add(normalized);
            }
        }

        foreach (var phrase in commands.Concat(wakes))
        {
            foreach (var word in Tokenize(phrase))
            {
                if (word != SpeechVocabulary.DictationToken)
                {
                    dictation.Add(word);
                }
            }
        }

        if (commands.Count == 0 && wakes.Count == 0)
        {
            return new JsgfGrammar(null, commands, wakes, [.. dictation], rejected);
        }

        var jsgf = new StringBuilder();
        jsgf.Append("#JSGF V1.0;\n\ngrammar assistant;\n\n");
        jsgf.Append(DictationRule).Append(" = ").AppendJoin(" | ", dictation).Append(";\n");
        if (wakes.Count > 0)
        {
            jsgf.Append("<wake> = ").AppendJoin(" | ", wakes.Select(w => $"( {w} )")).Append(";\n");
        }

        if (commands.Count > 0)
        {
            jsgf.Append("<command> = ")
                .AppendJoin(" | ", commands.Select(c => "( " + string.Join(' ', Tokenize(c).Select(t => t == SpeechVocabulary.DictationToken ? DictationRule + "+" : t)) + " )"))
                .Append(";\n");
        }

        var expected = (commands.Count, wakes.Count) switch
        {
            ( > 0, > 0) => "<wake> | ( [ <wake> ] <command> )",
            ( > 0, 0) => "<command>",
            _ => "<wake>",
        };

        jsgf.Append("\npublic <utterance> = ").Append(expected).Append(";\n");

        var free = new StringBuilder();
        free.Append("#JSGF V1.0;\n\ngrammar free;\n\n");
        free.Append("<word> = ").AppendJoin(" | ", dictation).Append(";\n");
        free.Append("\npublic <utterance> = <word>+;\n");

        return new JsgfGrammar(jsgf.ToString(), commands, wakes, [.. dictation], rejected, free.ToString());
    }

    /// <summary>Whether <paramref name="hypothesis"/> is an utterance of the grammar's expected branch.</summary>
    public static bool Matches(JsgfGrammar grammar, string hypothesis)
    {
        ArgumentNullException.ThrowIfNull(grammar);
        var words = Tokenize(hypothesis ?? string.Empty);
        if (words.Length == 0)
        {
            return false;
        }

        foreach (var wake in grammar.WakePhrases)
        {
            var wakeWords = Tokenize(wake);
            if (StartsWith(words, wakeWords))
            {
                if (words.Length == wakeWords.Length || MatchesCommand(grammar, words.AsSpan(wakeWords.Length)))
                {
                    return true;
                }
            }
        }

        return MatchesCommand(grammar, words);
    }

    /// <summary>Whether <paramref name="hypothesis"/> is [wake] plus a command phrase that has <c>{text}</c>, and no fixed phrase.</summary>
    public static bool MatchesDictationCommand(JsgfGrammar grammar, string hypothesis)
    {
        ArgumentNullException.ThrowIfNull(grammar);
        var words = Tokenize(hypothesis ?? string.Empty);
        var fixedPhrases = grammar with { CommandPhrases = [.. grammar.CommandPhrases.Where(c => !c.Contains(SpeechVocabulary.DictationToken, StringComparison.Ordinal))] };
        var dictationPhrases = grammar with { CommandPhrases = [.. grammar.CommandPhrases.Where(c => c.Contains(SpeechVocabulary.DictationToken, StringComparison.Ordinal))] };
        return words.Length > 0 && Matches(dictationPhrases, hypothesis!) && !Matches(fixedPhrases, hypothesis!);
    }

    private static bool MatchesCommand(JsgfGrammar grammar, ReadOnlySpan<string> words)
    {
        foreach (var command in grammar.CommandPhrases)
        {
            if (MatchesPattern(Tokenize(command), words))
            {
                return true;
            }
        }

        return false;
    }

    // Pattern tokens are words or {text} (one or more words).
    private static bool MatchesPattern(ReadOnlySpan<string> pattern, ReadOnlySpan<string> words)
    {
        if (pattern.IsEmpty)
        {
            return words.IsEmpty;
        }

        if (pattern[0] == SpeechVocabulary.DictationToken)
        {
            for (var taken = 1; taken <= words.Length; taken++)
            {
                if (MatchesPattern(pattern[1..], words[taken..]))
                {
                    return true;
                }
            }

            return false;
        }

        return !words.IsEmpty && words[0] == pattern[0] && MatchesPattern(pattern[1..], words[1..]);
    }

    private static bool StartsWith(string[] words, string[] prefix) =>
        words.Length >= prefix.Length && words.AsSpan(0, prefix.Length).SequenceEqual(prefix);

    /// <summary>Splits a phrase into lowercase words.</summary>
    public static string[] Tokenize(string phrase) =>
        phrase.ToLowerInvariant().Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    /// <summary>Lowercases a word and returns it if it only has characters that are safe as a JSGF token.</summary>
    public static string? NormalizeWord(string? word)
    {
        if (string.IsNullOrWhiteSpace(word))
        {
            return null;
        }

        var lower = word.Trim().ToLower(CultureInfo.InvariantCulture);
        foreach (var c in lower)
        {
            if (!(c is >= 'a' and <= 'z' || c is >= '0' and <= '9' || c is '\'' or '-' or '_' or '.'))
            {
                return null;
            }
        }

        return lower;
    }

    private static List<string> Accept(IEnumerable<string> phrases, bool allowDictation, Func<string, bool> isKnownWord, List<string> rejected)
    {
        var accepted = new List<string>();
        foreach (var phrase in phrases ?? [])
        {
            var tokens = Tokenize(phrase ?? string.Empty);
            var ok = tokens.Length > 0 && tokens.All(t =>
                (allowDictation && t == SpeechVocabulary.DictationToken) ||
                (NormalizeWord(t) == t && isKnownWord(t)));
            var normalized = string.Join(' ', tokens);
            if (ok && !accepted.Contains(normalized))
            {
                accepted.Add(normalized);
            }
            else if (!ok)
            {
                rejected.Add(phrase ?? string.Empty);
            }
        }

        return accepted;
    }
}
