namespace AudioOrchestrator.Contracts;

/// <summary>What one speaker said, as recognised by speech-to-text.</summary>
[GenerateSerializer, Immutable]
public sealed record Utterance(
    [property: Id(0)] string UtteranceId,
    [property: Id(1)] SpeakerRef Speaker,
    [property: Id(2)] string Transcript,
    [property: Id(3)] double? Confidence,
    [property: Id(4)] UtteranceTimings Timings,
    [property: Id(5)] string? CorrelationId);

/// <summary>When the speech happened and what recognising it cost.</summary>
[GenerateSerializer, Immutable]
public sealed record UtteranceTimings(
    [property: Id(0)] DateTimeOffset SpeechStartedAt,
    [property: Id(1)] DateTimeOffset SpeechEndedAt,
    [property: Id(2)] DateTimeOffset EndOfUtteranceAt,
    [property: Id(3)] double AudioMs,
    [property: Id(4)] double SttMs);

/// <summary>A speaker's input ended; <paramref name="UtteranceCount"/> utterances were handed to the session for it.</summary>
[GenerateSerializer, Immutable]
public sealed record InputCompletion(
    [property: Id(0)] SpeakerRef Speaker,
    [property: Id(1)] string? CorrelationId,
    [property: Id(2)] int UtteranceCount);
