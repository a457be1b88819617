namespace AudioOrchestrator.Grains.Routing;

/// <summary>
/// A routing phrase such as "echo {text}": literal words, optionally ending in one slot that captures
/// one or more words.
/// </summary>
public sealed record PhrasePattern(string Text, IReadOnlyList<string> Literals, string? SlotName)
{
    public static PhrasePattern Parse(string phrase)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(phrase);
        var tokens = TextNormalizer.Words(phrase, keepBraces: true);
        string? slot = null;
        var literals = new List<string>(tokens.Count);
        for (var i = 0; i < tokens.Count; i++)
        {
            var token = tokens[i];
            if (token.StartsWith('{') && token.EndsWith('}') && token.Length > 2)
            {
                if (i != tokens.Count - 1)
                {
                    throw new ArgumentException($"Phrase '{phrase}': a slot may only stand at the end.", nameof(phrase));
                }

                slot = token[1..^1];
            }
            else if (token.Contains('{') || token.Contains('}'))
            {
                throw new ArgumentException($"Phrase '{phrase}': malformed slot '{token}'.", nameof(phrase));
            }
            else
            {
                literals.Add(token);
            }
        }

        if (literals.Count == 0)
        {
            throw new ArgumentException($"Phrase '{phrase}' needs at least one literal word.", nameof(phrase));
        }

        return new PhrasePattern(phrase, literals, slot);
    }

    /// <summary>Matches whole words; returns the captured slot (if any) or null when the words do not fit.</summary>
    public PhraseMatch? Match(IReadOnlyList<string> words)
    {
        ArgumentNullException.ThrowIfNull(words);
        if (words.Count < Literals.Count)
        {
            return null;
        }

        for (var i = 0; i < Literals.Count; i++)
        {
            if (!string.Equals(words[i], Literals[i], StringComparison.Ordinal))
            {
                return null;
            }
        }

        var rest = words.Count - Literals.Count;
        if (SlotName is null)
        {
            return rest == 0 ? new PhraseMatch(this, new Dictionary<string, string>()) : null;
        }

        if (rest == 0)
        {
            return null;
        }

        var value = string.Join(' ', words.Skip(Literals.Count));
        return new PhraseMatch(this, new Dictionary<string, string> { [SlotName] = value });
    }
}

/// <summary>A phrase that fitted an utterance, with its captured slot values.</summary>
public sealed record PhraseMatch(PhrasePattern Pattern, IReadOnlyDictionary<string, string> Slots);
