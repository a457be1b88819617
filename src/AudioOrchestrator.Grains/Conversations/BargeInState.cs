namespace AudioOrchestrator.Grains.Conversations;

/// <summary>What a speech onset did to the live answer.</summary>
public enum PauseOutcome
{
    /// <summary>Nothing is being said: nothing to pause.</summary>
    NotSpeaking,

    /// <summary>The answer was paused now (publish <c>PlaybackPaused</c>).</summary>
    Paused,

    /// <summary>Another speaker already holds a pause; this one joins it.</summary>
    AlreadyPaused,
}

/// <summary>How a pause was settled.</summary>
/// <param name="TurnId">The answer's turn.</param>
/// <param name="Resumed">The last pause was lifted (publish <c>PlaybackResumed</c>).</param>
/// <param name="Interrupted">The answer was stopped for good (publish <c>AnswerInterrupted</c>).</param>
/// <param name="SpokenText">After an interruption: what had been said.</param>
public sealed record SettleOutcome(string TurnId, bool Resumed, bool Interrupted, string? SpokenText);

/// <summary>
/// What the session is saying, for barge-in: the live answer from the start of its turn (while the agent thinks) until
/// its audio has played out (first frame + frames x 20 ms, extended by pauses). A speaker's speech onset pauses it; the
/// speaker settles the pause: a backchannel resumes it once no speaker holds a pause, real speech interrupts it.
/// Answers to uploads are never live. Not thread-safe: the session grain's scheduler runs it.
/// </summary>
public sealed class BargeInState(TimeProvider clock)
{
    private LiveAnswer? _answer;

    /// <summary>The live answer's turn, while it may be paused; null otherwise.</summary>
    public string? SpeakingTurnId => _answer is { } answer && IsSpeaking(answer, clock.GetUtcNow()) ? answer.TurnId : null;

    /// <summary>A live answer starts (it replaces the previous one, whose synthesis has finished).</summary>
    public void Begin(string turnId, SpokenAnswer spoken)
    {
        ArgumentNullException.ThrowIfNull(turnId);
        ArgumentNullException.ThrowIfNull(spoken);
        _answer = new LiveAnswer(turnId, spoken);
    }

    /// <summary>The answer's last frame has been published: from now on it is speaking only until its audio has played.</summary>
    public void Finish(string turnId)
    {
        if (_answer is { } answer && answer.TurnId == turnId)
        {
            answer.Finished = true;
        }
    }

    /// <summary>The session was forgotten: no answer is live any more.</summary>
    public void Clear() => _answer = null;

    public PauseOutcome Pause(string speakerId)
    {
        var now = clock.GetUtcNow();
        if (_answer is not { } answer || !IsSpeaking(answer, now))
        {
            return PauseOutcome.NotSpeaking;
        }

        if (!answer.Pausers.Add(speakerId) || answer.Pausers.Count > 1)
        {
            return PauseOutcome.AlreadyPaused;
        }

        answer.PausedAt = now;
        return PauseOutcome.Paused;
    }

    /// <summary>Settles <paramref name="speakerId"/>'s pause; null when it held none.</summary>
    public SettleOutcome? Settle(string speakerId, bool interrupt)
    {
        if (_answer is not { } answer || answer.Interrupted || !answer.Pausers.Remove(speakerId))
        {
            return null;
        }

        if (interrupt)
        {
            answer.Interrupted = true;
            answer.Pausers.Clear();
            var played = answer.Spoken.FirstAudioAt is { } first ? answer.PausedAt - first - answer.PausedFor : TimeSpan.Zero;
            return new SettleOutcome(answer.TurnId, Resumed: false, Interrupted: true, answer.Spoken.Interrupt(played < TimeSpan.Zero ? TimeSpan.Zero : played));
        }

        if (answer.Pausers.Count > 0)
        {
            return new SettleOutcome(answer.TurnId, Resumed: false, Interrupted: false, null);
        }

        answer.PausedFor += clock.GetUtcNow() - answer.PausedAt;
        return new SettleOutcome(answer.TurnId, Resumed: true, Interrupted: false, null);
    }

    private static bool IsSpeaking(LiveAnswer answer, DateTimeOffset now)
    {
        if (answer.Interrupted)
        {
            return false;
        }

        if (!answer.Finished || answer.Pausers.Count > 0)
        {
            return true;
        }

        return answer.Spoken.FirstAudioAt is { } first && now < first + answer.Spoken.Duration + answer.PausedFor;
    }

    private sealed class LiveAnswer(string turnId, SpokenAnswer spoken)
    {
        public string TurnId { get; } = turnId;

        public SpokenAnswer Spoken { get; } = spoken;

        public bool Finished { get; set; }

        public HashSet<string> Pausers { get; } = new(StringComparer.Ordinal);

        public DateTimeOffset PausedAt { get; set; }

        public TimeSpan PausedFor { get; set; }

        public bool Interrupted { get; set; }
    }
}
