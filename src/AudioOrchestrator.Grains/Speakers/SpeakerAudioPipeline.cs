using AudioOrchestrator.Audio;

namespace AudioOrchestrator.Grains.Speakers;

/// <summary>What one batch of packets did: corrupt packets found while playing it and packets the rate guard dropped.</summary>
public readonly record struct PacketBatchOutcome(int CorruptPackets, int RateLimitedPackets);

/// <summary>
/// One input's DSP chain (<see cref="UtteranceDecoder"/>): Opus packets by RTP sequence number through the jitter buffer
/// (48 kHz, decoded straight to mono; silence frames not decoded) -> 16 kHz (libsoxr) -> utterance segmentation, with a
/// rate guard that drops the oldest packets of live audio arriving faster than real time. Not thread-safe; owned by
/// one grain activation.
/// </summary>
public sealed class SpeakerAudioPipeline : IDisposable
{
    private readonly UtteranceDecoder _decoder;
    private readonly InputRateGuard _rateGuard;

    /// <param name="options">Segmentation settings.</param>
    /// <param name="detector">Voice activity detector owned (and disposed) by the pipeline; null = energy detector.</param>
    /// <param name="decoding">Jitter buffer, rate guard and corrupt-packet settings; null = defaults.</param>
    public SpeakerAudioPipeline(UtteranceSegmenterOptions options, IVoiceActivityDetector? detector = null, UtteranceDecoderOptions? decoding = null)
    {
        decoding ??= new UtteranceDecoderOptions();
        _rateGuard = new InputRateGuard(decoding);
        _decoder = new UtteranceDecoder(options, detector, decoding);
    }

    /// <summary>Packets pushed (including those the rate guard dropped).</summary>
    public long Frames { get; private set; }

    public long CorruptFrames => _decoder.CorruptPackets;

    public long RateLimitedFrames => _rateGuard.Dropped;

    public bool InSpeech => _decoder.InSpeech;

    /// <summary>The open utterance as heard so far, after a short silence: what a preemptive answer is prepared for.</summary>
    public SegmentedUtterance? Tentative => _decoder.Tentative;

    /// <summary>The DSP chain itself (counters, jitter statistics, stream position).</summary>
    public UtteranceDecoder Decoder => _decoder;

    /// <summary>
    /// Pushes consecutive packets numbered from <paramref name="firstSequence"/> (the RTP sequence number of the first,
    /// taken modulo 65536). <paramref name="liveArrival"/> is the arrival time of live audio, which the rate guard
    /// polices; null for uploads, which may legitimately arrive faster than real time.
    /// </summary>
    public PacketBatchOutcome PushBatch(long firstSequence, IReadOnlyList<byte[]> frames, DateTimeOffset? liveArrival, ICollection<SegmentedUtterance> completed)
    {
        ArgumentNullException.ThrowIfNull(frames);
        ArgumentNullException.ThrowIfNull(completed);
        Frames += frames.Count;
        var skip = liveArrival is { } now ? _rateGuard.Admit(frames.Count, now) : 0;
        var corruptBefore = _decoder.CorruptPackets;
        for (var i = skip; i < frames.Count; i++)
        {
            _decoder.Push(unchecked((ushort)(firstSequence + i)), frames[i], completed);
        }

        return new PacketBatchOutcome((int)(_decoder.CorruptPackets - corruptBefore), skip);
    }

    /// <summary>Feeds digital silence for a stretch in which no packets arrived (a live speaker who went quiet).</summary>
    public void PushSilence(TimeSpan duration, ICollection<SegmentedUtterance> completed) => _decoder.PushSilence(duration, completed);

    /// <summary>End of input: plays held packets, drains the resampler and closes an open utterance.</summary>
    public void Flush(ICollection<SegmentedUtterance> completed) => _decoder.Flush(completed);

    public void Dispose() => _decoder.Dispose();
}
