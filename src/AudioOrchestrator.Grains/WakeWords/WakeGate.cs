namespace AudioOrchestrator.Grains.WakeWords;

/// <summary>What acoustic spotting found at the start of an utterance.</summary>
public enum AcousticWake
{
    /// <summary>No spotting ran (not needed, turned off, or no decoder free): the transcript decides.</summary>
    NotRun,

    /// <summary>The spotter heard a wake phrase.</summary>
    Spotted,

    /// <summary>The spotter searched the start of the utterance and heard none.</summary>
    NotSpotted,
}

/// <summary>The gate's verdict on an utterance.</summary>
/// <param name="Accepted">Hand it to the session.</param>
/// <param name="Transcript">What the agents get (the wake phrase stripped), when accepted; the turn records the whole transcript.</param>
/// <param name="WakePhrase">The wake phrase heard, if any.</param>
/// <param name="Reason">Why it was dropped, when not accepted.</param>
public sealed record WakeVerdict(bool Accepted, string Transcript, string? WakePhrase, string? Reason);

/// <summary>
/// Decides, per speaker, whether an utterance is addressed to the assistant. In <see cref="WakeMode.WakeRequired"/>
/// an utterance outside the conversation window needs a wake phrase: when acoustic spotting heard none it is dropped
/// before speech-to-text (<see cref="NeedsTranscript"/> is false), otherwise its transcript must start with a wake
/// phrase within the fuzzy threshold. Accepted utterances extend the conversation window. A leading wake phrase is
/// stripped in every mode; a wake phrase said alone is passed on whole (the router strips it and the fallback answers).
/// </summary>
public sealed class WakeGate
{
    private readonly ConversationWindow _window = new();

    /// <summary>Whether the utterance needs a wake phrase now (wake required and the window is closed).</summary>
    public bool RequiresWake(WakeMode mode, DateTimeOffset now) => mode == WakeMode.WakeRequired && !_window.IsOpen(now);

    /// <summary>False when the utterance can be dropped before speech-to-text: a wake is required and spotting heard none.</summary>
    public bool NeedsTranscript(WakeMode mode, DateTimeOffset startedAt, AcousticWake acoustic) =>
        !(RequiresWake(mode, startedAt) && acoustic == AcousticWake.NotSpotted);

    /// <summary>Judges a transcript heard from <paramref name="startedAt"/> and decided at <paramref name="now"/>.</summary>
    public WakeVerdict Judge(string transcript, WakeMode mode, WakePhraseMatcher matcher, TimeSpan window, DateTimeOffset startedAt, DateTimeOffset now, AcousticWake acoustic)
    {
        ArgumentNullException.ThrowIfNull(transcript);
        ArgumentNullException.ThrowIfNull(matcher);
        var required = RequiresWake(mode, startedAt);
        if (required && acoustic == AcousticWake.NotSpotted)
        {
            return new WakeVerdict(false, transcript, null, "no wake phrase was heard");
        }

        var match = matcher.Match(transcript);
        if (required && match is null)
        {
            return new WakeVerdict(false, transcript, null, "the transcript does not start with a wake phrase");
        }

        if (mode == WakeMode.WakeRequired)
        {
            _window.Extend(now, window);
        }

        var text = match is { Remainder.Length: > 0 } ? match.Remainder : transcript;
        return new WakeVerdict(true, text, match?.Phrase, null);
    }
}
