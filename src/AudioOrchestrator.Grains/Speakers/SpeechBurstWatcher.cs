using System.Buffers;
using AudioOrchestrator.Audio;
using AudioOrchestrator.Grains.BargeIn;
using AudioOrchestrator.Grains.Listening;
using AudioOrchestrator.Grains.WakeWords;
using AudioOrchestrator.Speech;

namespace AudioOrchestrator.Grains.Speakers;

/// <summary>A barge-in step for the session, with the wall-clock time it was decided.</summary>
public sealed record BargeInStep(BargeInSignal Signal, DateTimeOffset At);

/// <summary>Wake spotting of one burst of speech (one utterance, normally).</summary>
/// <param name="OnsetPosition">Stream position of the burst's first speech frame.</param>
/// <param name="OnsetAt">When the onset was detected (wall clock for live input, as heard for uploads).</param>
public sealed record WakeAttempt(TimeSpan OnsetPosition, DateTimeOffset OnsetAt)
{
    public AcousticWake Result { get; set; } = AcousticWake.NotRun;

    public string? Phrase { get; set; }

    public DateTimeOffset? DetectedAt { get; set; }
}

/// <summary>
/// The live front-end of one input around the segmenter: follows bursts of speech frame by frame (onset = first speech
/// frame after end-of-utterance silence), spots the wake phrase incrementally in the first
/// <see cref="WakeWordOptions.SpottingWindowMs"/> of a burst when one is required, and runs the barge-in tracker.
/// Barge-in steps are queued for the grain (which talks to the session after the frames are pushed). Not thread-safe.
/// </summary>
public sealed class SpeechBurstWatcher : IFrameObserver, IDisposable
{
    private const int FrameMs = 20;
    private const int MaxAttempts = 16;
    private static readonly int SpottedFrameSamples = AudioFormat.SamplesPerFrame(AudioFormat.SpeechSampleRate); // the spotter hears 16 kHz mono
    private readonly ListeningSettings _settings;
    private readonly WakeGate _gate;
    private readonly IWakePhraseSpotter? _spotter;
    private readonly BargeInTracker? _bargeIn;
    private readonly int _burstEndSilenceMs;
    private readonly PreRollBuffer? _preRoll;
    private readonly List<WakeAttempt> _attempts = [];
    private readonly List<BargeInStep> _steps = [];
    private readonly List<DateTimeOffset> _onsets = [];
    private IWakePhraseSpotting? _spotting;
    private WakeAttempt? _current;
    private long _frames;
    private int _silenceRunMs;
    private int _spottedMs;
    private bool _inBurst;
    private DateTimeOffset _now;
    private DateTimeOffset _heardOrigin;

    /// <param name="settings">The session's settings.</param>
    /// <param name="gate">The speaker's wake gate (conversation window).</param>
    /// <param name="spotter">Acoustic spotter, or null for transcript-only confirmation.</param>
    /// <param name="live">Live input: barge-in applies and times are wall-clock times.</param>
    public SpeechBurstWatcher(ListeningSettings settings, WakeGate gate, IWakePhraseSpotter? spotter, bool live)
    {
        ArgumentNullException.ThrowIfNull(settings);
        _settings = settings;
        _gate = gate;
        _spotter = settings.Wake.AcousticSpotting ? spotter : null;
        _bargeIn = live && settings.BargeIn.Enabled ? new BargeInTracker(settings.BargeIn) : null;
        _burstEndSilenceMs = settings.Speaker.Segmenter.EndOfUtteranceSilenceMs;

        // Only a watcher that may spot keeps the audio before an onset (copied into a ring: nothing allocated per frame).
        _preRoll = _spotter is not null && settings.Wake.SpottingPreRollMs > 0 ? new PreRollBuffer(settings.Wake.SpottingPreRollMs / FrameMs * SpottedFrameSamples) : null;
        IsLive = live;
    }

    public bool IsLive { get; }

    /// <summary>The detector's decision on the last frame heard: a live speaker whose packets stop now is mid-speech.</summary>
    public bool LastFrameWasSpeech { get; private set; }

    /// <summary>Stream position of the audio observed so far.</summary>
    public TimeSpan Position => TimeSpan.FromMilliseconds(_frames * FrameMs);

    /// <summary>Barge-in steps decided since the last <see cref="TakeSteps"/>.</summary>
    public IReadOnlyList<BargeInStep> TakeSteps()
    {
        var steps = _steps.ToArray();
        _steps.Clear();
        return steps;
    }

    /// <summary>
    /// Onsets (when speech started: wall clock for live input, as heard for uploads) that did not pause the session
    /// (no barge-in on this input, or a pause already pending), since the last call: the session hears of them only
    /// from here.
    /// </summary>
    public IReadOnlyList<DateTimeOffset> TakeOnsets()
    {
        var onsets = _onsets.ToArray();
        _onsets.Clear();
        return onsets;
    }

    /// <summary>Sets the clock for the frames of the next push: wall time (live) and the input's capture time (times as heard).</summary>
    public void BeginPush(DateTimeOffset now, DateTimeOffset heardOrigin)
    {
        _now = now;
        _heardOrigin = heardOrigin;
    }

    /// <summary>The wake attempt of the burst that <paramref name="utterance"/> belongs to.</summary>
    public WakeAttempt? AttemptFor(SegmentedUtterance utterance)
    {
        ArgumentNullException.ThrowIfNull(utterance);
        return _attempts.LastOrDefault(a => a.OnsetPosition >= utterance.AudioStart && a.OnsetPosition <= utterance.SpeechEnd)
            ?? _attempts.LastOrDefault(a => a.OnsetPosition <= utterance.SpeechStart);
    }

    public void OnFrame(ReadOnlySpan<short> frame, bool isSpeech)
    {
        var position = Position;
        _frames++;
        LastFrameWasSpeech = isSpeech;
        if (isSpeech && !_inBurst)
        {
            StartBurst(position);
        }

        if (_inBurst)
        {
            _silenceRunMs = isSpeech ? 0 : _silenceRunMs + FrameMs;
            Spot(frame);
            Record(_bargeIn?.Frame(isSpeech, FrameMs, Addressed()) ?? BargeInSignal.None);
            if (_silenceRunMs >= _burstEndSilenceMs)
            {
                EndBurst();
            }
        }

        _preRoll?.Write(frame);
    }

    /// <summary>End of input: an open burst ends (its spotting, if still running, found nothing).</summary>
    public void EndOfInput()
    {
        if (_inBurst)
        {
            EndBurst();
        }
    }

    public void Dispose() => StopSpotting();

    private DateTimeOffset Now(TimeSpan position) => IsLive ? _now : _heardOrigin + position;

    private void StartBurst(TimeSpan position)
    {
        _inBurst = true;
        _silenceRunMs = 0;
        _spottedMs = 0;
        var onsetAt = Now(position);
        _current = new WakeAttempt(position, onsetAt);
        _attempts.Add(_current);
        if (_attempts.Count > MaxAttempts)
        {
            _attempts.RemoveAt(0);
        }

        if (_spotter is not null && _gate.RequiresWake(_settings.WakeMode, onsetAt))
        {
            _spotting = _spotter.Start(_settings.Wake.Phrases);
            if (_spotting is not null && _preRoll is { Count: > 0 })
            {
                FeedPreRoll(_spotting, _preRoll);
            }
        }

        var signal = _bargeIn?.Onset() ?? BargeInSignal.None;
        Record(signal);
        if (signal != BargeInSignal.Pause && _onsets.Count < MaxAttempts)
        {
            _onsets.Add(onsetAt);
        }
    }

    /// <summary>Feeds the audio before the onset to a new spotting, a frame at a time as it was heard.</summary>
    private static void FeedPreRoll(IWakePhraseSpotting spotting, PreRollBuffer preRoll)
    {
        var samples = ArrayPool<short>.Shared.Rent(preRoll.Count);
        try
        {
            preRoll.CopyTo(samples);
            for (var offset = 0; offset < preRoll.Count; offset += SpottedFrameSamples)
            {
                spotting.Process(samples.AsSpan(offset, Math.Min(SpottedFrameSamples, preRoll.Count - offset)));
            }
        }
        finally
        {
            ArrayPool<short>.Shared.Return(samples);
        }
    }

    private void Spot(ReadOnlySpan<short> frame)
    {
        if (_spotting is null || _current is null)
        {
            return;
        }

        _spottedMs += FrameMs;
        if (_spotting.Process(frame) is { } spot)
        {
            _current.Result = AcousticWake.Spotted;
            _current.Phrase = spot.Phrase;
            _current.DetectedAt = Now(Position);
            StopSpotting();
        }
        else if (_spottedMs >= _settings.Wake.SpottingWindowMs)
        {
            _current.Result = AcousticWake.NotSpotted;
            StopSpotting();
        }
    }

    /// <summary>Whether the burst may interrupt: null while the wake phrase is still being looked for.</summary>
    private bool? Addressed()
    {
        if (_current is null || !_gate.RequiresWake(_settings.WakeMode, _current.OnsetAt))
        {
            return true;
        }

        return _current.Result switch
        {
            AcousticWake.Spotted => true,
            AcousticWake.NotSpotted => false,
            _ => _spotting is null ? true : null, // no spotter: the transcript decides later; speech may interrupt
        };
    }

    private void EndBurst()
    {
        _inBurst = false;
        if (_spotting is not null && _current is not null)
        {
            // The burst ended inside the spotting window without a wake phrase.
            _current.Result = AcousticWake.NotSpotted;
        }

        StopSpotting();
        Record(_bargeIn?.BurstEnded() ?? BargeInSignal.None);
    }

    private void StopSpotting()
    {
        _spotting?.Dispose();
        _spotting = null;
    }

    private void Record(BargeInSignal signal)
    {
        if (signal != BargeInSignal.None)
        {
            _steps.Add(new BargeInStep(signal, _now));
        }
    }
}
