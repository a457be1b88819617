namespace AudioOrchestrator.Audio;

/// <summary>
/// One speaker's whole DSP front-end on Opus packets numbered by RTP sequence: an <see cref="OpusJitterBuffer"/>
/// (reorder window, duplicates and late packets dropped, in-band FEC for a single loss, concealment for longer gaps,
/// bounded), Discord's <c>F8 FF FE</c> silence frames as 20 ms of silence without decoding, corrupt packets counted
/// and concealed (the decoder reset after a run of them), decoding straight to 16 kHz mono (libopus decodes any Opus
/// stream at any of its rates: SILK natively, CELT band-limited; no separate resampler) and the
/// <see cref="UtteranceSegmenter"/> with its voice activity detector. Steady-state packet processing allocates
/// nothing (utterances themselves are new arrays). Not thread-safe; one instance per input.
/// </summary>
public sealed class UtteranceDecoder : IDisposable
{
    private const int SilenceFrameSamples16k = 320;
    private const long MaxSilenceSamples = 10L * AudioFormat.SpeechSampleRate;
    private readonly OpusDecoder _decoder = new(AudioFormat.SpeechSampleRate, 1);
    private readonly OpusJitterBuffer _jitter;
    private readonly List<JitterInstruction> _instructions = new(capacity: 64);
    private readonly UtteranceSegmenter _segmenter;
    private readonly IVoiceActivityDetector? _detector;
    private readonly int _corruptBeforeReset;
    private readonly int _frameSamples = AudioFormat.SamplesPerFrame(AudioFormat.SpeechSampleRate);
    private readonly short[] _decoded;
    private readonly short[] _silence = new short[SilenceFrameSamples16k];
    private int _corruptStreak;
    private bool _lastWasSilence;

    /// <param name="segmenter">Segmentation settings.</param>
    /// <param name="detector">Voice activity detector owned (and disposed) by the front-end; null = the segmenter's energy detector.</param>
    /// <param name="options">Jitter buffer and corrupt-packet settings; null = defaults.</param>
    public UtteranceDecoder(UtteranceSegmenterOptions segmenter, IVoiceActivityDetector? detector = null, UtteranceDecoderOptions? options = null)
    {
        options ??= new UtteranceDecoderOptions();
        options.ThrowIfInvalid();
        _jitter = new OpusJitterBuffer(options.Jitter);
        _corruptBeforeReset = options.CorruptPacketsBeforeReset;
        _detector = detector;
        _segmenter = new UtteranceSegmenter(segmenter, AudioFormat.SpeechSampleRate, detector);
        _decoded = new short[_decoder.MaxFrameSamples];
    }

    /// <summary>Packets pushed (including duplicates and late ones).</summary>
    public long Packets { get; private set; }

    /// <summary>Discord silence frames (<c>F8 FF FE</c>) played as silence without decoding.</summary>
    public long SilencePackets { get; private set; }

    /// <summary>Packets libopus refused (corrupt or truncated); each was concealed instead.</summary>
    public long CorruptPackets { get; private set; }

    /// <summary>Times the decoder was reset after <see cref="UtteranceDecoderOptions.CorruptPacketsBeforeReset"/> corrupt packets in a row.</summary>
    public long DecoderResets { get; private set; }

    /// <summary>What the jitter buffer saw (duplicates, late, lost, recovered by FEC, concealed).</summary>
    public JitterStatistics Jitter => _jitter.Statistics;

    /// <summary>True while an open utterance already holds at least the minimum speech.</summary>
    public bool InSpeech => _segmenter.InSpeech;

    /// <summary>The open utterance offered for a preemptive answer (see <see cref="UtteranceSegmenter.Tentative"/>).</summary>
    public SegmentedUtterance? Tentative => _segmenter.Tentative;

    /// <summary>Duration of the 16 kHz audio handed to the segmenter so far.</summary>
    public TimeSpan Position => _segmenter.Position;

    /// <summary>True for Discord's Opus silence frame <c>F8 FF FE</c>.</summary>
    public static bool IsSilenceFrame(ReadOnlySpan<byte> packet) => packet is [0xF8, 0xFF, 0xFE];

    /// <summary>
    /// Accepts the packet with RTP sequence number <paramref name="sequence"/>; every frame that can now be played is
    /// decoded and segmented, and utterances decided meanwhile are added to <paramref name="completed"/>. The packet's
    /// memory must stay unchanged while the jitter buffer may hold it (the reorder window).
    /// </summary>
    public void Push(ushort sequence, ReadOnlyMemory<byte> packet, ICollection<SegmentedUtterance> completed)
    {
        ArgumentNullException.ThrowIfNull(completed);
        Packets++;
        _instructions.Clear();
        _jitter.Push(sequence, packet, _instructions);
        Play(completed);
    }

    /// <summary>
    /// A stretch in which no packets arrived (a live speaker who went quiet): plays what the jitter buffer holds, then
    /// feeds <paramref name="duration"/> of digital silence (at most 10 s; more changes nothing) to the segmenter.
    /// </summary>
    public void PushSilence(TimeSpan duration, ICollection<SegmentedUtterance> completed)
    {
        ArgumentNullException.ThrowIfNull(completed);
        DrainJitter(completed);
        var samples = (long)Math.Min(Math.Max(0, duration.TotalSeconds) * AudioFormat.SpeechSampleRate, MaxSilenceSamples);
        for (var remaining = samples; remaining > 0; remaining -= _silence.Length)
        {
            _segmenter.Push(_silence.AsSpan(0, (int)Math.Min(remaining, _silence.Length)), completed);
        }
    }

    /// <summary>End of input: plays what the jitter buffer holds and closes an open utterance.</summary>
    public void Flush(ICollection<SegmentedUtterance> completed)
    {
        ArgumentNullException.ThrowIfNull(completed);
        DrainJitter(completed);
        if (_segmenter.Flush() is { } last)
        {
            completed.Add(last);
        }
    }

    public void Dispose()
    {
        (_detector as IDisposable)?.Dispose();
        _decoder.Dispose();
    }

    private void DrainJitter(ICollection<SegmentedUtterance> completed)
    {
        _instructions.Clear();
        _jitter.Drain(_instructions);
        Play(completed);
    }

    private void Play(ICollection<SegmentedUtterance> completed)
    {
        foreach (var step in _instructions)
        {
            var payload = step.Payload.Span;
            if (step.Action != JitterAction.Conceal && IsSilenceFrame(payload))
            {
                // A silence frame (or the lost frame just before one): silence, no decoding.
                if (step.Action == JitterAction.Decode)
                {
                    SilencePackets++;
                }

                PlaySilence(completed);
                continue;
            }

            if (step.Action == JitterAction.Conceal && _lastWasSilence)
            {
                // Concealing after silence would replay the speech before it.
                PlaySilence(completed);
                continue;
            }

            var samples = step.Action switch
            {
                JitterAction.Decode => _decoder.TryDecode(payload, _decoded),
                JitterAction.RecoverWithFec => RecoverWithFec(payload),
                _ => _decoder.Conceal(_decoded, _frameSamples),
            };
            if (samples < 0)
            {
                samples = OnCorrupt();
            }
            else if (step.Action == JitterAction.Decode)
            {
                _corruptStreak = 0;
            }

            _lastWasSilence = false;
            _segmenter.Push(_decoded.AsSpan(0, samples), completed);
        }

        _instructions.Clear();
    }

    private int RecoverWithFec(ReadOnlySpan<byte> nextPacket)
    {
        try
        {
            return _decoder.DecodeFec(nextPacket, _decoded, _frameSamples);
        }
        catch (OpusException)
        {
            // The packet carrying the FEC data is corrupt; it is counted when it is decoded itself.
            return _decoder.Conceal(_decoded, _frameSamples);
        }
    }

    private int OnCorrupt()
    {
        CorruptPackets++;
        if (++_corruptStreak >= _corruptBeforeReset)
        {
            _decoder.Reset();
            DecoderResets++;
            _corruptStreak = 0;
        }

        return _decoder.Conceal(_decoded, _frameSamples);
    }

    private void PlaySilence(ICollection<SegmentedUtterance> completed)
    {
        _lastWasSilence = true;
        _segmenter.Push(_silence, completed);
    }
}
