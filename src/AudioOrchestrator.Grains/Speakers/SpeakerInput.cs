using AudioOrchestrator.Audio;
using AudioOrchestrator.Contracts;

namespace AudioOrchestrator.Grains.Speakers;

/// <summary>What one push of audio into an input did.</summary>
/// <param name="Utterances">Utterances the push completed, in order.</param>
/// <param name="CorruptPackets">Corrupt packets found (each concealed).</param>
/// <param name="RateLimitedPackets">Live packets the rate guard dropped.</param>
public readonly record struct InputPush(IReadOnlyList<SegmentedUtterance> Utterances, int CorruptPackets = 0, int RateLimitedPackets = 0);

/// <summary>
/// One input of a speaker: the live audio of a voice channel, or one upload (by its correlation id). Owns the DSP chain
/// (<see cref="SpeakerAudioPipeline"/>) and the <see cref="SpeechBurstWatcher"/> that sees its detector decisions, and
/// keeps what the grain remembers about it between pushes (barge-in, the utterance prepared ahead, live packet times).
/// Each push returns the utterances it completed. Not thread-safe; owned by one grain activation.
/// </summary>
public sealed class SpeakerInput : IDisposable
{
    private readonly List<SegmentedUtterance> _completed = [];
    private long? _firstFrame;
    private long _nextFrame;
    private bool _heardSpeech;

    /// <param name="correlationId">The upload's correlation id; null for live audio.</param>
    /// <param name="isLive">Live audio: paced in real time, packet gaps are silence, barge-in applies.</param>
    /// <param name="pipeline">The input's DSP chain (owned).</param>
    /// <param name="bursts">The watcher fed by the pipeline's detector (owned).</param>
    /// <param name="startedAt">When the input's audio was captured: utterance times are counted from it.</param>
    /// <param name="traceParent">The ingress trace the input's utterances continue.</param>
    /// <param name="now">Now, as the input's first activity.</param>
    public SpeakerInput(string? correlationId, bool isLive, SpeakerAudioPipeline pipeline, SpeechBurstWatcher bursts, DateTimeOffset startedAt, string? traceParent, DateTimeOffset now)
    {
        CorrelationId = correlationId;
        IsLive = isLive;
        Pipeline = pipeline ?? throw new ArgumentNullException(nameof(pipeline));
        Bursts = bursts ?? throw new ArgumentNullException(nameof(bursts));
        StartedAt = startedAt;
        TraceParent = traceParent;
        LastActivityAt = now;
        QuietSince = now;
        HeardUntil = now;
    }

    /// <summary>The upload's correlation id; null for live audio.</summary>
    public string? CorrelationId { get; }

    /// <summary>Live audio: paced in real time, packet gaps are silence, barge-in applies.</summary>
    public bool IsLive { get; }

    public SpeakerAudioPipeline Pipeline { get; }

    public SpeechBurstWatcher Bursts { get; }

    public DateTimeOffset StartedAt { get; }

    public string? TraceParent { get; }

    /// <summary>Utterances of this input handed to the session.</summary>
    public int Utterances { get; set; }

    /// <summary>The last time anything arrived for this input.</summary>
    public DateTimeOffset LastActivityAt { get; private set; }

    /// <summary>
    /// Live audio: since when no packet has been waiting for the grain, i.e. when it last finished handling packets. A
    /// packet gap is counted from here, not from when the packets came in: packets that arrive while the grain is busy
    /// (transcribing the utterance prepared ahead, say) wait in the stream, they are not missing.
    /// </summary>
    public DateTimeOffset QuietSince { get; private set; }

    /// <summary>Live audio: up to when audio (packets or the silence fed for a gap) has been heard.</summary>
    public DateTimeOffset HeardUntil { get; private set; }

    /// <summary>The session paused its answer for this input's speech and waits for the barge-in to be settled.</summary>
    public bool PauseHeld { get; set; }

    /// <summary>The utterance whose answer the session prepares ahead, and where its speech ended.</summary>
    public PreparedUtterance? Prepared { get; set; }

    /// <summary>The end of speech of the last utterance prepared ahead (or tried: dropped ones are not tried again).</summary>
    public TimeSpan? TriedAhead { get; set; }

    /// <summary>Something arrived for the input (it is not abandoned).</summary>
    public void Touch(DateTimeOffset now) => LastActivityAt = now;

    /// <summary>
    /// Pushes consecutive packets numbered from <paramref name="firstSequence"/>, which reached the ingress at
    /// <paramref name="arrivedAt"/>. Live packets are policed by the rate guard on their arrival times (how fast the
    /// speaker sends), not on when the grain gets to them (how busy the grain was), and mark the time of the last packet.
    /// </summary>
    public InputPush PushPackets(long firstSequence, IReadOnlyList<byte[]> frames, DateTimeOffset arrivedAt, DateTimeOffset now)
    {
        Begin(now);
        if (IsLive)
        {
            QuietSince = now;
            HeardUntil = now;
        }

        var outcome = Pipeline.PushBatch(firstSequence, frames, IsLive ? arrivedAt : null, _completed);
        _firstFrame ??= firstSequence;
        _nextFrame = Math.Max(_nextFrame, firstSequence + frames.Count);
        return new InputPush(TakeCompleted(), outcome.CorruptPackets, outcome.RateLimitedPackets);
    }

    /// <summary>The frames pushed so far (first to next), and whether speech was heard in them; null before any.</summary>
    public HeardFrames? Heard => _firstFrame is { } first ? new HeardFrames(first, _nextFrame, _heardSpeech || Pipeline.InSpeech) : null;

    /// <summary>
    /// The grain finished handling a push of packets at <paramref name="now"/> (recognition included): the packet gap
    /// is counted from here, so time spent busy is not taken for silence. The silence fed for a real gap still starts
    /// at the last packet (<see cref="HeardUntil"/>), so utterance times stay true.
    /// </summary>
    public void PacketsHandled(DateTimeOffset now)
    {
        if (IsLive && now > QuietSince)
        {
            QuietSince = now;
        }
    }

    /// <summary>Feeds <paramref name="duration"/> of silence (time without packets from a live speaker).</summary>
    public InputPush PushSilence(TimeSpan duration, DateTimeOffset now)
    {
        Begin(now);
        Pipeline.PushSilence(duration, _completed);
        return new InputPush(TakeCompleted());
    }

    /// <summary>End of input: plays held packets, closes an open utterance and ends an open burst.</summary>
    public InputPush Flush(DateTimeOffset now)
    {
        Begin(now);
        Pipeline.Flush(_completed);
        Bursts.EndOfInput();
        return new InputPush(TakeCompleted());
    }

    /// <summary>
    /// Live audio without packets since <see cref="QuietSince"/>: the silence to feed now, in steps no longer than
    /// <paramref name="step"/> (each to be pushed on its own, so a late timer tick cannot jump over the preemptive point
    /// to the end of the utterance). Nothing while the gap is shorter than <paramref name="packetGap"/>, or, when the
    /// last frame heard was speech, than <paramref name="midSpeechGap"/>: packets that stop mid-speech are late (a busy
    /// network or host), not silence.
    /// </summary>
    public IReadOnlyList<TimeSpan> TakeGapSilence(DateTimeOffset now, TimeSpan packetGap, TimeSpan midSpeechGap, TimeSpan step)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(step, TimeSpan.Zero);
        var gap = now - QuietSince;
        if (!IsLive || gap < packetGap || (Bursts.LastFrameWasSpeech && gap < midSpeechGap))
        {
            return [];
        }

        var silence = now - HeardUntil;
        HeardUntil = now;
        var steps = new List<TimeSpan>();
        for (var fed = TimeSpan.Zero; fed < silence; fed += step)
        {
            steps.Add(silence - fed < step ? silence - fed : step);
        }

        return steps;
    }

    /// <summary>Live audio that has been silent longer than <paramref name="idleTimeout"/> and holds no open speech.</summary>
    public bool IsIdle(DateTimeOffset now, TimeSpan idleTimeout) => IsLive && !Pipeline.InSpeech && now - QuietSince > idleTimeout;

    public void Dispose()
    {
        Pipeline.Dispose();
        Bursts.Dispose();
    }

    private void Begin(DateTimeOffset now)
    {
        _completed.Clear();
        Touch(now);
        Bursts.BeginPush(now, StartedAt);
    }

    private IReadOnlyList<SegmentedUtterance> TakeCompleted()
    {
        if (_completed.Count == 0)
        {
            return [];
        }

        var completed = _completed.ToArray();
        _completed.Clear();
        _heardSpeech = true;
        return completed;
    }
}

/// <summary>An utterance handed to the session ahead of its certain end, and where its speech ended.</summary>
public sealed record PreparedUtterance(HeardUtterance Heard, TimeSpan SpeechEnd);
