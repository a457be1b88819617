using System.Buffers;
using System.Diagnostics;
using AudioOrchestrator.Audio;
using AudioOrchestrator.Contracts;
using AudioOrchestrator.Grains.Listening;
using AudioOrchestrator.Grains.WakeWords;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;

namespace AudioOrchestrator.Grains.Speakers;

/// <summary>An utterance that passed the wake gate and speech-to-text, with the text agents get.</summary>
public sealed record HeardUtterance(Utterance Utterance, string TextForAgents);

/// <summary>
/// Turns one segmented utterance of a speaker into an <see cref="Utterance"/> for the session, or drops it: the wake gate
/// first (an utterance that needs a wake phrase and had none spotted acoustically costs no speech-to-text), then
/// speech-to-text, then the wake gate on the transcript (fuzzy; strips the wake phrase), then the utterance's timings.
/// </summary>
public sealed partial class UtteranceRecognizer(
    SpeakerRef speaker,
    ListeningSettings settings,
    WakeGate wakeGate,
    ISpeechToTextClient speechToText,
    PipelineMetrics metrics,
    TimeProvider clock,
    ILogger<UtteranceRecognizer> logger)
{
    private readonly WakePhraseMatcher _wakeMatcher = new(settings.Wake.Phrases, settings.Wake.MatchThreshold);

    /// <summary>
    /// The utterance as heard, or null when it is dropped (not addressed to the assistant, or no words). Ahead of the
    /// end of an utterance (<paramref name="ahead"/>) drops are neither counted nor logged: the final decision will be.
    /// </summary>
    public async Task<HeardUtterance?> RecognizeAsync(SpeakerInput input, SegmentedUtterance segment, bool ahead, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(segment);
        var decidedAt = clock.GetUtcNow();
        var speechStartedAt = input.StartedAt + segment.SpeechStart;
        var attempt = input.Bursts.AttemptFor(segment);
        var acoustic = attempt?.Result ?? AcousticWake.NotRun;
        if (!wakeGate.NeedsTranscript(settings.WakeMode, speechStartedAt, acoustic))
        {
            // Wake required, none spotted at the start of the utterance: not addressed to the assistant. No STT spent.
            if (!ahead)
            {
                metrics.WakeDropped.Add(1, new KeyValuePair<string, object?>("stage", "acoustic"));
                LogNotAddressed(logger, speaker.StreamKey, input.CorrelationId, "no wake phrase was heard", segment.ToPcmAudio().Duration.TotalMilliseconds);
            }

            return null;
        }

        ActivityContext.TryParse(input.TraceParent, null, out var parent);
        using var activity = TelemetryNames.ActivitySource.StartActivity("speaker.utterance", ActivityKind.Internal, parent);
        activity?.SetTag("session.id", speaker.SessionId);
        activity?.SetTag("speaker.id", speaker.SpeakerId);
        activity?.SetTag("correlation.id", input.CorrelationId);

        var started = Stopwatch.GetTimestamp();
        var audio = new PcmAudio(segment.Samples, segment.SampleRate, 1);
        SpeechToTextResponse response;

        // The WAV lives only for the call: a pooled buffer, not a new large-object-heap array per utterance.
        var buffer = ArrayPool<byte>.Shared.Rent(WavCodec.EncodedSize(audio));
        try
        {
            // Visible, so a client that copies the stream (the fallback chain) takes the bytes without a second copy.
            using var wav = new MemoryStream(buffer, 0, WavCodec.Encode(audio, buffer), writable: false, publiclyVisible: true);
            response = await speechToText.GetTextAsync(wav, new SpeechToTextOptions { SpeechSampleRate = segment.SampleRate }, cancellationToken);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer, clearArray: true); // a speaker's voice does not stay in the shared pool
        }

        var sttMs = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        metrics.SttDuration.Record(sttMs);
        metrics.Operator.TranscriptionLatency.Record(OperatorMetrics.Seconds(sttMs));
        var transcript = (response.Text ?? "").Trim();
        activity?.SetTag("stt.ms", sttMs);
        activity?.SetTag("transcript", transcript);
        if (transcript.Length == 0)
        {
            if (!ahead)
            {
                metrics.EmptyTranscripts.Add(1);
                LogEmptyTranscript(logger, speaker.StreamKey, input.CorrelationId, audio.Duration.TotalMilliseconds);
            }

            return null;
        }

        var verdict = wakeGate.Judge(transcript, settings.WakeMode, _wakeMatcher, settings.Wake.ConversationWindow, speechStartedAt, clock.GetUtcNow(), acoustic);
        if (!verdict.Accepted)
        {
            if (!ahead)
            {
                metrics.WakeDropped.Add(1, new KeyValuePair<string, object?>("stage", "transcript"));
                LogNotAddressed(logger, speaker.StreamKey, input.CorrelationId, verdict.Reason ?? "", audio.Duration.TotalMilliseconds);
            }

            return null;
        }

        var confidence = response.AdditionalProperties?.TryGetValue("confidence", out var value) == true && value is double c ? c : (double?)null;

        // Acoustic detection when the spotter heard it; otherwise the wake phrase was found on the transcript.
        var wakeDetectedAt = verdict.WakePhrase is null ? (DateTimeOffset?)null : attempt?.DetectedAt ?? clock.GetUtcNow();
        if (attempt is { DetectedAt: { } spottedAt })
        {
            metrics.WakeDetectDelay.Record((spottedAt - attempt.OnsetAt).TotalMilliseconds);
        }

        var timings = new UtteranceTimings(
            speechStartedAt,
            input.StartedAt + segment.SpeechEnd,
            decidedAt,
            audio.Duration.TotalMilliseconds,
            sttMs,
            input.IsLive ? attempt?.OnsetAt : null,
            wakeDetectedAt,
            verdict.WakePhrase,
            (segment.DecidedAt - segment.SpeechEnd).TotalMilliseconds);
        activity?.SetTag("wake.phrase", verdict.WakePhrase);
        activity?.SetTag("ahead", ahead);
        var utterance = new Utterance(Guid.CreateVersion7().ToString("N"), speaker, transcript, confidence, timings, input.CorrelationId, verdict.Transcript);
        return new HeardUtterance(utterance, verdict.Transcript);
    }

    /// <summary>A prepared utterance as finally decided: the same audio and transcript, the real end-of-utterance decision.</summary>
    public HeardUtterance Finalize(HeardUtterance heard, SegmentedUtterance segment)
    {
        ArgumentNullException.ThrowIfNull(heard);
        ArgumentNullException.ThrowIfNull(segment);
        return heard with
        {
            Utterance = heard.Utterance with
            {
                Timings = heard.Utterance.Timings with
                {
                    EndOfUtteranceAt = clock.GetUtcNow(),
                    AudioMs = segment.ToPcmAudio().Duration.TotalMilliseconds,
                    EndOfUtteranceDelayMs = (segment.DecidedAt - segment.SpeechEnd).TotalMilliseconds,
                },
            },
        };
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Speaker {Speaker} (correlation {CorrelationId}): {DurationMs:F0} ms of speech not addressed to the assistant ({Reason}); dropped")]
    private static partial void LogNotAddressed(ILogger logger, string speaker, string? correlationId, string reason, double durationMs);

    [LoggerMessage(Level = LogLevel.Information, Message = "No words recognised in {DurationMs:F0} ms of speech from {Speaker} (correlation {CorrelationId})")]
    private static partial void LogEmptyTranscript(ILogger logger, string speaker, string? correlationId, double durationMs);
}
