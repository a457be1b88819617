namespace AudioOrchestrator.Speech;

/// <summary>
/// Spots wake phrases acoustically in the start of an utterance, incrementally: the caller feeds audio as it arrives
/// and learns of a wake phrase as soon as it has been heard, before the utterance ends.
/// </summary>
public interface IWakePhraseSpotter
{
    /// <summary>
    /// Starts spotting <paramref name="phrases"/> in a new stretch of audio. Returns <see langword="null"/> when no
    /// spotting resource is free (all decoders busy) or the phrases cannot be spotted (unknown words): the caller then
    /// relies on the transcript alone.
    /// </summary>
    IWakePhraseSpotting? Start(IReadOnlyList<string> phrases);
}

/// <summary>One spotting pass over one utterance's start. Not thread-safe; dispose to give the decoder back.</summary>
public interface IWakePhraseSpotting : IDisposable
{
    /// <summary>Audio fed so far.</summary>
    TimeSpan Position { get; }

    /// <summary>The first detection, once there is one.</summary>
    WakePhraseSpot? Spot { get; }

    /// <summary>Feeds 16 kHz mono samples; returns the detection once a wake phrase has been heard (and from then on).</summary>
    WakePhraseSpot? Process(ReadOnlySpan<short> pcm16kMono);
}

/// <summary>A spotted wake phrase and the audio position (from the start of the fed audio) at which it was reported.</summary>
public sealed record WakePhraseSpot(string Phrase, TimeSpan DetectedAtPosition);
