namespace AudioOrchestrator.Grains.BargeIn;

/// <summary>What the tracker decided on a frame.</summary>
public enum BargeInSignal
{
    None,

    /// <summary>Speech started: pause playback now.</summary>
    Pause,

    /// <summary>The speech was a backchannel (or noise, or not addressed to the assistant): resume playback.</summary>
    Resume,

    /// <summary>Real speech: stop the answer for good.</summary>
    Interrupt,
}

/// <summary>
/// Barge-in for one live input, driven by the voice activity detector's 20 ms decisions:
/// <c>Idle</c> --onset--&gt; <c>Pending</c> (pause) --speech &gt;= MinSpeechMs and addressed--&gt; interrupt, or
/// --silence &gt;= ResumeAfterSilenceMs before that, or not addressed--&gt; resume; then <c>Settled</c> until the burst of
/// speech ends (the caller reports <see cref="BurstEnded"/>). Not thread-safe.
/// </summary>
public sealed class BargeInTracker(BargeInOptions options)
{
    private State _state = State.Idle;
    private int _speechMs;
    private int _silenceRunMs;

    private enum State
    {
        Idle,
        Pending,
        Settled,
    }

    /// <summary>True between <see cref="BargeInSignal.Pause"/> and its resume or interrupt.</summary>
    public bool IsPending => _state == State.Pending;

    /// <summary>A burst of speech began.</summary>
    public BargeInSignal Onset()
    {
        if (!options.Enabled || _state != State.Idle)
        {
            return BargeInSignal.None;
        }

        _state = State.Pending;
        _speechMs = 0;
        _silenceRunMs = 0;
        return BargeInSignal.Pause;
    }

    /// <summary>One detector decision inside the burst (the onset frame included).</summary>
    /// <param name="isSpeech">The frame's decision.</param>
    /// <param name="frameMs">Frame length.</param>
    /// <param name="addressed">True when the speech may interrupt (wake not required, window open, or wake spotted); null while still unknown.</param>
    public BargeInSignal Frame(bool isSpeech, int frameMs, bool? addressed)
    {
        if (_state != State.Pending)
        {
            return BargeInSignal.None;
        }

        if (isSpeech)
        {
            _speechMs += frameMs;
            _silenceRunMs = 0;
        }
        else
        {
            _silenceRunMs += frameMs;
        }

        if (addressed == false)
        {
            return Settle(BargeInSignal.Resume);
        }

        if (_speechMs >= options.MinSpeechMs && addressed == true)
        {
            return Settle(BargeInSignal.Interrupt);
        }

        return _silenceRunMs >= options.ResumeAfterSilenceMs ? Settle(BargeInSignal.Resume) : BargeInSignal.None;
    }

    /// <summary>The burst of speech ended (end-of-utterance silence); a still pending pause resumes.</summary>
    public BargeInSignal BurstEnded()
    {
        var pending = _state == State.Pending;
        _state = State.Idle;
        return pending ? BargeInSignal.Resume : BargeInSignal.None;
    }

    private BargeInSignal Settle(BargeInSignal signal)
    {
        _state = State.Settled;
        return signal;
    }
}
