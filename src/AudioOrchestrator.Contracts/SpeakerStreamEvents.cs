namespace AudioOrchestrator.Contracts;

/// <summary>An item on a speaker's <see cref="StreamNames.AudioIn"/> stream.</summary>
[GenerateSerializer, Immutable]
public abstract record SpeakerStreamEvent
{
    /// <summary>Ties the audio to a request (a REST upload); null for live audio.</summary>
    [Id(0)]
    public string? CorrelationId { get; init; }

    /// <summary>W3C traceparent of the ingress activity, so one trace spans the whole turn.</summary>
    [Id(1)]
    public string? TraceParent { get; init; }

    /// <summary>Live audio (a voice channel, paced in real time) rather than an upload: it has no correlation id.</summary>
    public bool IsLive => CorrelationId is null;
}

/// <summary>
/// Consecutive 20 ms Opus packets (48 kHz) from one speaker. Frames are batched (3-5 per event)
/// to cut the stream message rate. <see cref="CapturedAt"/> is when the ingress received the first of them: live
/// audio is policed for sending faster than real time by these times, not by when the speaker grain gets to it.
/// <see cref="EndsInput"/> marks an upload's last batch: it carries the input's end (<see cref="End"/>), so the end
/// reaches the speaker activation that heard the frames (a separate end message could reach a new activation, after
/// the one that heard them all went away with its silo, which would then take the upload for cut).
/// <see cref="SentAgain"/> marks a batch the ingress published again after an attempt that met a departed silo or got
/// no answer: the activation that heard the frames before it was most likely lost with a crashed silo.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record OpusFrameBatch(
    [property: Id(0)] long FirstSequence,
    [property: Id(1)] byte[][] Frames,
    [property: Id(2)] DateTimeOffset CapturedAt,
    [property: Id(3)] bool EndsInput = false,
    [property: Id(4)] bool SentAgain = false) : SpeakerStreamEvent
{
    /// <summary>The input's end this batch carries (its frame count: this batch's last sequence number + 1); null when it does not end one.</summary>
    public SpeakerInputEnded? End => EndsInput
        ? new SpeakerInputEnded(CapturedAt, FirstSequence + Frames.Length) { CorrelationId = CorrelationId, TraceParent = TraceParent }
        : null;
}

/// <summary>The speaker's input ended (an upload is complete): close any open utterance now.</summary>
/// <param name="EndedAt">When the input ended.</param>
/// <param name="FrameCount">
/// Frames the input published before its end (an upload), or -1 when not counted (live audio). A speaker activation
/// that ends an input of which it heard fewer frames knows the others went to an activation that is gone.
/// </param>
[GenerateSerializer, Immutable]
public sealed record SpeakerInputEnded([property: Id(0)] DateTimeOffset EndedAt, [property: Id(1)] long FrameCount = -1) : SpeakerStreamEvent;
