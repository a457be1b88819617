using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace AudioOrchestrator.Grains;

/// <summary>The service's own trace source and meter names.</summary>
public static class TelemetryNames
{
    public const string ActivitySourceName = "AudioOrchestrator";
    public const string MeterName = "AudioOrchestrator";

    /// <summary>Shared, immutable activity source for turn spans.</summary>
    public static readonly ActivitySource ActivitySource = new(ActivitySourceName);
}

/// <summary>Per-stage timings and error counters of the voice pipeline.</summary>
public sealed class PipelineMetrics
{
    public PipelineMetrics(IMeterFactory meterFactory)
    {
        ArgumentNullException.ThrowIfNull(meterFactory);
        var meter = meterFactory.Create(TelemetryNames.MeterName);
        SttDuration = meter.CreateHistogram<double>("audioorchestrator.stt.duration", "ms", "Speech-to-text time per utterance.");
        AgentDuration = meter.CreateHistogram<double>("audioorchestrator.agent.duration", "ms", "Agent time per turn (asked to the end of its streamed answer).");
        AgentFirstText = meter.CreateHistogram<double>("audioorchestrator.agent.first_text", "ms", "Agent asked to its first text (a language model's time to first token).");
        TtsFirstAudio = meter.CreateHistogram<double>("audioorchestrator.tts.first_audio", "ms", "Text-to-speech time to the first published frame.");
        EndOfUtteranceToFirstAudio = meter.CreateHistogram<double>("audioorchestrator.turn.eou_to_first_audio", "ms", "End of utterance to the first answer frame on audio-out.");
        Turns = meter.CreateCounter<long>("audioorchestrator.turns", description: "Turns answered (apologies included).");
        FailedTurns = meter.CreateCounter<long>("audioorchestrator.turns.failed", description: "Turns whose agent failed (answered with an apology) or that could not be answered at all.");
        CorruptFrames = meter.CreateCounter<long>("audioorchestrator.opus.corrupt_frames", description: "Opus packets that failed to decode and were skipped.");
        RateLimitedFrames = meter.CreateCounter<long>("audioorchestrator.opus.rate_limited_frames", description: "Live Opus packets dropped (oldest first) because a speaker sent faster than real time.");
        FramesReceived = meter.CreateCounter<long>("audioorchestrator.opus.frames_received", description: "Opus packets received from speakers.");
        EmptyTranscripts = meter.CreateCounter<long>("audioorchestrator.stt.empty", description: "Utterances in which speech-to-text found no words.");
        WakeDropped = meter.CreateCounter<long>("audioorchestrator.wake.dropped", description: "Utterances dropped because a wake phrase was required and not heard (tag stage: acoustic = before speech-to-text, transcript = after).");
        WakeDetectDelay = meter.CreateHistogram<double>("audioorchestrator.wake.detect_delay", "ms", "Speech onset to acoustic wake phrase detection.");
        Preemptive = meter.CreateCounter<long>("audioorchestrator.preemptive", description: "Answers prepared ahead of the end of an utterance (tag outcome: kept = the speaker had stopped, discarded = they went on).");
        BargeIns = meter.CreateCounter<long>("audioorchestrator.barge_in", description: "Barge-in steps sent to sessions (tag step: pause, resume, interrupt).");
        ArchiveRecoveredTurns = meter.CreateCounter<long>("audioorchestrator.archive.recovered_turns", description: "Turns a session found in its state but not in the turn archive when it activated (a silo stopped before writing them) and handed to the archive again.");
        UtterancesCut = meter.CreateCounter<long>("audioorchestrator.speaker.utterances_cut", description: "Utterances cut in the middle because their speaker's grain stopped (tag reason: deactivated = its silo shut down or the grain was moved while the speaker spoke; resumed = a new activation got the rest of an input whose beginning went to an activation that is gone).");
        Operator = new OperatorMetrics(meter);
    }

    /// <summary>The operator metric names of the original plan, recorded beside these.</summary>
    public OperatorMetrics Operator { get; }

    public Histogram<double> SttDuration { get; }
    public Histogram<double> AgentDuration { get; }
    public Histogram<double> AgentFirstText { get; }
    public Histogram<double> TtsFirstAudio { get; }
    public Histogram<double> EndOfUtteranceToFirstAudio { get; }
    public Counter<long> Turns { get; }
    public Counter<long> FailedTurns { get; }
    public Counter<long> Preemptive { get; }
    public Counter<long> CorruptFrames { get; }
    public Counter<long> RateLimitedFrames { get; }
    public Counter<long> FramesReceived { get; }
    public Counter<long> EmptyTranscripts { get; }
    public Counter<long> WakeDropped { get; }
    public Histogram<double> WakeDetectDelay { get; }
    public Counter<long> BargeIns { get; }
    public Counter<long> ArchiveRecoveredTurns { get; }
    public Counter<long> UtterancesCut { get; }
}
