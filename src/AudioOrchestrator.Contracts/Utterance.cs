namespace AudioOrchestrator.Contracts;

/// <summary>What one speaker said, as recognised by speech-to-text.</summary>
/// <param name="UtteranceId">Unique id; also the id of the turn that answers it.</param>
/// <param name="Speaker">Who spoke, in which session.</param>
/// <param name="Transcript">Everything heard, wake phrase included (what the turn records).</param>
/// <param name="Confidence">Recogniser confidence in 0..1, when known.</param>
/// <param name="Timings">When the speech happened and what recognising it cost.</param>
/// <param name="CorrelationId">The upload it came from; null for live audio.</param>
/// <param name="TextForAgents">What is routed and handed to agents: the transcript without its wake phrase; null = <paramref name="Transcript"/>.</param>
/// <param name="Source">How it came: <see cref="TurnSources.Voice"/> (heard) or <see cref="TurnSources.Text"/> (typed: REST messages, <c>/ask</c>).</param>
/// <param name="Speak">Whether the answer is spoken (synthesised onto audio-out); a text turn may ask for text only.</param>
[GenerateSerializer, Immutable]
public sealed record Utterance(
    [property: Id(0)] string UtteranceId,
    [property: Id(1)] SpeakerRef Speaker,
    [property: Id(2)] string Transcript,
    [property: Id(3)] double? Confidence,
    [property: Id(4)] UtteranceTimings Timings,
    [property: Id(5)] string? CorrelationId,
    [property: Id(6)] string? TextForAgents = null,
    [property: Id(7)] string Source = TurnSources.Voice,
    [property: Id(8)] bool Speak = true);

/// <summary>Where a turn's words came from.</summary>
public static class TurnSources
{
    /// <summary>Heard: speech-to-text of a speaker's audio.</summary>
    public const string Voice = "voice";

    /// <summary>Typed: a text message (REST, the console's text box, Discord's <c>/ask</c>).</summary>
    public const string Text = "text";
}

/// <summary>When the speech happened and what recognising it cost.</summary>
/// <param name="SpeechStartedAt">Start of speech as heard (capture time of the input plus the position in its audio).</param>
/// <param name="SpeechEndedAt">End of speech as heard.</param>
/// <param name="EndOfUtteranceAt">When the segmenter decided the utterance had ended (wall clock).</param>
/// <param name="AudioMs">Length of the recognised audio (pre-roll to decision).</param>
/// <param name="SttMs">Speech-to-text time.</param>
/// <param name="OnsetDetectedAt">When the voice activity detector reported the speech onset (wall clock); null for uploads.</param>
/// <param name="WakeDetectedAt">When the wake phrase was detected (acoustically, or on the transcript); null when none was.</param>
/// <param name="WakePhrase">The wake phrase heard (and stripped from <see cref="Utterance.Transcript"/>); null when none was.</param>
/// <param name="EndOfUtteranceDelayMs">End of speech to the end-of-utterance decision, in the input's audio time (EOU silence plus detector lag); null when unknown.</param>
[GenerateSerializer, Immutable]
public sealed record UtteranceTimings(
    [property: Id(0)] DateTimeOffset SpeechStartedAt,
    [property: Id(1)] DateTimeOffset SpeechEndedAt,
    [property: Id(2)] DateTimeOffset EndOfUtteranceAt,
    [property: Id(3)] double AudioMs,
    [property: Id(4)] double SttMs,
    [property: Id(5)] DateTimeOffset? OnsetDetectedAt = null,
    [property: Id(6)] DateTimeOffset? WakeDetectedAt = null,
    [property: Id(7)] string? WakePhrase = null,
    [property: Id(8)] double? EndOfUtteranceDelayMs = null);

/// <summary>A speaker's input ended; <paramref name="UtteranceCount"/> utterances were handed to the session for it.</summary>
/// <param name="Speaker">Whose input.</param>
/// <param name="CorrelationId">The input (an upload's correlation id; null for live audio).</param>
/// <param name="UtteranceCount">Utterances handed to the session for it.</param>
/// <param name="Cut">
/// The speaker's activation went away (e.g. its grain directory entry was lost with a crashed silo) before it heard the
/// rest of the input, which was dropped: the input has to be sent again.
/// </param>
/// <param name="Heard">Which of an upload's frames this activation heard (null: not counted, e.g. live audio).</param>
/// <param name="Partial">
/// Not the input's end: the activation is going away gracefully (its silo stops) with the input open, and reports its
/// part; the next activation reports the rest, and the session puts the two together.
/// </param>
/// <param name="PartLost">
/// A rest whose first batch the ingress sent again after a failed attempt (<see cref="OpusFrameBatch.SentAgain"/>): the
/// part before it is most likely lost with a crashed silo, so the session does not wait for it.
/// </param>
[GenerateSerializer, Immutable]
public sealed record InputCompletion(
    [property: Id(0)] SpeakerRef Speaker,
    [property: Id(1)] string? CorrelationId,
    [property: Id(2)] int UtteranceCount,
    [property: Id(3)] bool Cut = false,
    [property: Id(4)] HeardFrames? Heard = null,
    [property: Id(5)] bool Partial = false,
    [property: Id(6)] bool PartLost = false);

/// <summary>The frames of an upload one speaker activation heard, and whether there was speech in them.</summary>
/// <param name="First">The first frame's sequence number (0 unless the upload's beginning went to another activation).</param>
/// <param name="Next">One past the last frame's sequence number.</param>
/// <param name="Speech">Whether any speech was heard in them (for a part cut off at its start: whether anything was cut).</param>
[GenerateSerializer, Immutable]
public sealed record HeardFrames([property: Id(0)] long First, [property: Id(1)] long Next, [property: Id(2)] bool Speech);
