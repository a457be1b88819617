using Microsoft.Extensions.Logging;

namespace AudioOrchestrator.Grains.Speakers;

/// <summary>
/// Counts utterances cut in the middle because the speaker's grain stopped (its silo shut down or crashed), so a cut is
/// seen in <c>audioorchestrator.speaker.utterances_cut</c> and the log instead of being dropped silently:
/// <list type="bullet">
/// <item><c>deactivated</c>: the grain deactivates while an input is inside an utterance (a graceful shutdown, a
/// migration): what was heard of that utterance is lost with the grain's in-memory DSP state.</item>
/// <item><c>resumed</c>: a new activation receives an upload whose first frames went to an activation that is gone (the
/// first batch it sees does not start at frame 0): the rest is heard, the beginning is not.</item>
/// </list>
/// </summary>
public sealed partial class UtteranceCutCounter(PipelineMetrics metrics, ILogger logger)
{
    public const string Deactivated = "deactivated";
    public const string Resumed = "resumed";

    /// <summary>The grain deactivates: counts one cut per input inside an utterance; returns how many.</summary>
    public int OnDeactivating(string speaker, int inputsInSpeech, string reason)
    {
        if (inputsInSpeech <= 0)
        {
            return 0;
        }

        metrics.UtterancesCut.Add(inputsInSpeech, new KeyValuePair<string, object?>("reason", Deactivated));
        LogCutOnDeactivation(logger, speaker, inputsInSpeech, reason);
        return inputsInSpeech;
    }

    /// <summary>
    /// A batch opened a new input in this activation: an upload whose first frame is not frame 0 lost its beginning
    /// with an earlier activation. Returns whether it was counted. (Live sequence numbers start anywhere, like RTP's.)
    /// </summary>
    public bool OnInputOpened(string speaker, bool isLive, long firstSequence, string? correlationId)
    {
        if (isLive || firstSequence <= 0)
        {
            return false;
        }

        metrics.UtterancesCut.Add(1, new KeyValuePair<string, object?>("reason", Resumed));
        LogResumedMidInput(logger, speaker, correlationId, firstSequence);
        return true;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Speaker {Speaker}: {Count} utterance(s) in progress were cut: the speaker's grain deactivated ({Reason})")]
    private static partial void LogCutOnDeactivation(ILogger logger, string speaker, int count, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Speaker {Speaker}: input {CorrelationId} reached this activation from frame {FirstSequence}: its beginning was heard by an activation that is gone, the utterance is cut")]
    private static partial void LogResumedMidInput(ILogger logger, string speaker, string? correlationId, long firstSequence);
}
