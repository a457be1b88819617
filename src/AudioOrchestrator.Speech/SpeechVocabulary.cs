namespace AudioOrchestrator.Speech;

/// <summary>
/// What the recogniser should expect to hear.
/// </summary>
/// <param name="CommandPhrases">
/// Lowercase command phrases such as <c>"what time is it"</c>. The token <see cref="DictationToken"/>
/// (<c>{text}</c>) stands for free dictation of one or more words, e.g. <c>"echo {text}"</c>.
/// </param>
/// <param name="WakePhrases">Lowercase wake phrases (<c>"hey orchestrator"</c>); they may be said alone or before a command.</param>
/// <param name="Pronunciations">
/// Extra pronunciations, word to CMU phone string (<c>"orchestrator" -&gt; "AO R K AH S T R EY T ER"</c>),
/// for words the stock dictionary lacks.
/// </param>
public sealed record SpeechVocabulary(
    IReadOnlyList<string> CommandPhrases,
    IReadOnlyList<string> WakePhrases,
    IReadOnlyDictionary<string, string> Pronunciations)
{
    /// <summary>The placeholder for free dictation inside a command phrase.</summary>
    public const string DictationToken = "{text}";
}

/// <summary>Supplies the vocabulary the speech-to-text client builds its grammar from.</summary>
public interface ISpeechVocabularySource
{
    /// <summary>Returns the current vocabulary. Called when a decoder is created.</summary>
    SpeechVocabulary GetVocabulary();
}

/// <summary>An <see cref="ISpeechVocabularySource"/> over a fixed vocabulary.</summary>
public sealed class StaticSpeechVocabularySource : ISpeechVocabularySource
{
    private readonly SpeechVocabulary _vocabulary;

    /// <summary>Creates a source that always returns <paramref name="vocabulary"/>.</summary>
    public StaticSpeechVocabularySource(SpeechVocabulary vocabulary)
    {
        ArgumentNullException.ThrowIfNull(vocabulary);
        _vocabulary = vocabulary;
    }

    /// <inheritdoc />
    public SpeechVocabulary GetVocabulary() => _vocabulary;
}
