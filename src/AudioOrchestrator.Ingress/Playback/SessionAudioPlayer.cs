using System.Threading.Channels;
using AudioOrchestrator.Contracts;
using AudioOrchestrator.Ingress.Streams;
using Microsoft.Extensions.Logging;

namespace AudioOrchestrator.Ingress.Playback;

/// <summary>An answer that could not be played (no output connected, or the output went away mid-answer).</summary>
/// <param name="TurnId">The turn.</param>
/// <param name="Text">The answer text (<see cref="AnswerCompleted.ResponseText"/>, or the deltas seen so far; null when none was seen).</param>
public sealed record UndeliverableAnswer(string TurnId, string? Text);

/// <summary>
/// Plays one session's answers, transport-neutral: listens to the session's audio-out (through
/// <see cref="SessionOutputHub"/>) and hands 20 ms Opus frames to an output (a voice connection's paced sender) through
/// <see cref="Frames"/>. The reader only gives a frame when it may leave now, so barge-in takes effect within one
/// frame: <see cref="PlaybackPaused"/> holds every further frame, <see cref="PlaybackResumed"/> continues where it
/// stopped, <see cref="AnswerInterrupted"/> drops the rest of that turn (including audio still to come). Answers that
/// cannot be played (see <see cref="SetOutputAvailable"/>) are reported to the undeliverable callback with their text,
/// once that text is complete. An agent's actions (<see cref="AgentActionRequested"/>, e.g. leaving the channel) are
/// handed to the action callback once the turn's audio has been played (or could not be).
/// </summary>
/// <remarks>
/// The stream listener never waits for the output: a paused output must not hold back the stream that carries the
/// resume. Queued frames are bounded by <c>maxQueuedFrames</c> (oldest dropped and counted).
/// </remarks>
public sealed partial class SessionAudioPlayer : IAsyncDisposable
{
    private readonly Lock _gate = new();
    private readonly LinkedList<QueuedFrame> _queue = new();
    private readonly Dictionary<string, TurnState> _turns = new(StringComparer.Ordinal);
    private readonly int _maxQueuedFrames;
    private readonly Func<UndeliverableAnswer, Task> _onUndeliverable;
    private readonly Func<AgentAction, Task> _onAction;
    private readonly ILogger _logger;
    private TaskCompletionSource<bool>? _waiter;
    private QueuedFrame? _lastPlayed;
    private IAsyncDisposable? _subscription;
    private bool _paused;
    private bool _outputAvailable;
    private bool _closed;
    private long _playedFrames;
    private long _droppedFrames;

    /// <param name="sessionId">The session whose answers this player plays.</param>
    /// <param name="maxQueuedFrames">Frames kept waiting for the output at most (oldest dropped beyond it).</param>
    /// <param name="onUndeliverable">Called (outside any lock) for each answer that cannot be played.</param>
    /// <param name="logger">Logger.</param>
    /// <param name="onAction">Called (outside any lock) for each action of a turn once its audio has been played; null = actions are ignored.</param>
    public SessionAudioPlayer(string sessionId, int maxQueuedFrames, Func<UndeliverableAnswer, Task> onUndeliverable, ILogger<SessionAudioPlayer> logger, Func<AgentAction, Task>? onAction = null)
    {
        _onAction = onAction ?? (_ => Task.CompletedTask);
        ArgumentException.ThrowIfNullOrEmpty(sessionId);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxQueuedFrames, 1);
        SessionId = sessionId;
        _maxQueuedFrames = maxQueuedFrames;
        _onUndeliverable = onUndeliverable ?? throw new ArgumentNullException(nameof(onUndeliverable));
        _logger = logger ?? throw new ArgumentNullException(nameof(logger));
        Frames = new PlayerReader(this);
    }

    public string SessionId { get; }

    /// <summary>The frames to send, each when it may leave; waits while paused or idle; completes when the player is disposed.</summary>
    public ChannelReader<ReadOnlyMemory<byte>> Frames { get; }

    /// <summary>True between <see cref="PlaybackPaused"/> and <see cref="PlaybackResumed"/>/<see cref="AnswerInterrupted"/>.</summary>
    public bool IsPaused
    {
        get
        {
            lock (_gate)
            {
                return _paused;
            }
        }
    }

    /// <summary>
    /// True when the last frame handed out was in the middle of a sentence of an answer still playing (not paused,
    /// interrupted or undeliverable): a frame missing now is late, and the output should wait for it rather than fill
    /// the gap with silence.
    /// </summary>
    public bool IsMidSentence
    {
        get
        {
            lock (_gate)
            {
                return !_paused && !_closed && _lastPlayed is { EndsSentence: false, Turn.Dropped: false } last && !(last.Turn.Completed && last.Turn.Queued == 0);
            }
        }
    }

    /// <summary>Frames handed to the output.</summary>
    public long PlayedFrames => Interlocked.Read(ref _playedFrames);

    /// <summary>Frames dropped: interrupted or undeliverable turns, and queue overflow.</summary>
    public long DroppedFrames => Interlocked.Read(ref _droppedFrames);

    /// <summary>Frames waiting for the output.</summary>
    public int QueuedFrames
    {
        get
        {
            lock (_gate)
            {
                return _queue.Count;
            }
        }
    }

    /// <summary>Subscribes to the session's audio-out.</summary>
    public async Task StartAsync(SessionOutputHub hub, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(hub);
        _subscription = await hub.ListenAsync(SessionId, OnEventAsync, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Whether an output is connected. While false, new answers are undeliverable; turning it false makes every
    /// answer not yet fully played undeliverable (its queued frames are dropped).
    /// </summary>
    public Task SetOutputAvailable(bool available)
    {
        List<UndeliverableAnswer> lost = [];
        lock (_gate)
        {
            _outputAvailable = available;
            if (!available)
            {
                foreach (var (turnId, turn) in _turns)
                {
                    if (!turn.Dropped && (!turn.Completed || turn.Queued > 0))
                    {
                        turn.Undeliverable = true;
                        if (turn.Completed)
                        {
                            lost.Add(Report(turnId, turn)); // its text is complete; otherwise reported on completion
                        }
                    }
                }

                RemoveQueuedWhere(f => f.Turn.Undeliverable);
                ForgetFinishedTurns();
            }
        }

        return ReportAsync(lost);
    }

    /// <summary>Handles one audio-out event (the stream listener; public for tests).</summary>
    public Task OnEventAsync(SessionOutputEvent item)
    {
        ArgumentNullException.ThrowIfNull(item);
        UndeliverableAnswer? lost = null;
        List<AgentAction>? actions = null;
        lock (_gate)
        {
            switch (item)
            {
                case AnswerStarted started:
                    var turn = Turn(started.TurnId);
                    if (!_outputAvailable && !turn.Dropped)
                    {
                        turn.Undeliverable = true; // reported once its text is complete
                    }

                    break;
                case AnswerDelta delta:
                    Turn(delta.TurnId).Text += delta.Text;
                    break;
                case AnswerAudio audio:
                    Enqueue(audio);
                    break;
                case AgentActionRequested requested:
                    Turn(requested.TurnId).Actions.Add(requested.Action);
                    break;
                case AnswerCompleted completed:
                    if (_turns.TryGetValue(completed.TurnId, out var done))
                    {
                        done.Completed = true;
                        done.Text = completed.ResponseText;
                        if (done.Undeliverable && !done.Interrupted && !done.Reported)
                        {
                            lost = Report(completed.TurnId, done);
                        }

                        actions = TakeActionsIfPlayed(done);
                    }

                    ForgetFinishedTurns();
                    break;
                case TurnFailed failed:
                    if (_turns.TryGetValue(failed.TurnId, out var failedTurn))
                    {
                        failedTurn.Interrupted = true;
                        failedTurn.Completed = true;
                        RemoveQueuedWhere(f => f.Turn == failedTurn);
                        ForgetFinishedTurns();
                    }

                    break;
                case PlaybackPaused:
                    _paused = true;
                    break;
                case PlaybackResumed:
                    _paused = false;
                    Wake();
                    break;
                case AnswerInterrupted interrupted:
                    var cut = Turn(interrupted.TurnId);
                    cut.Interrupted = true;
                    var removed = RemoveQueuedWhere(f => f.Turn == cut);
                    LogInterrupted(SessionId, interrupted.TurnId, removed);

                    // The interruption ends the hold: later answers play.
                    _paused = false;
                    ForgetFinishedTurns();
                    Wake();
                    break;
            }
        }

        RunActions(actions);
        return lost is null ? Task.CompletedTask : ReportAsync([lost]);
    }

    public async ValueTask DisposeAsync()
    {
        lock (_gate)
        {
            _closed = true;
            _queue.Clear();
            Wake();
        }

        if (_subscription is not null)
        {
            await _subscription.DisposeAsync().ConfigureAwait(false);
        }
    }

    private static UndeliverableAnswer Report(string turnId, TurnState turn)
    {
        turn.Reported = true;
        return new UndeliverableAnswer(turnId, turn.Text);
    }

    /// <summary>The turn's actions, once its audio is over (played, dropped or undeliverable); each is taken once.</summary>
    private static List<AgentAction>? TakeActionsIfPlayed(TurnState turn)
    {
        if (!turn.Completed || turn.Queued > 0 || turn.Actions.Count == 0)
        {
            return null;
        }

        var actions = new List<AgentAction>(turn.Actions);
        turn.Actions.Clear();
        return actions;
    }

    /// <summary>Runs actions off the caller's thread (the output's sender, or the stream listener).</summary>
    private void RunActions(List<AgentAction>? actions)
    {
        if (actions is null)
        {
            return;
        }

        _ = Task.Run(async () =>
        {
            foreach (var action in actions)
            {
                try
                {
                    await _onAction(action).ConfigureAwait(false);
                }
#pragma warning disable CA1031 // A failed action must not break playback of later answers.
                catch (Exception ex)
#pragma warning restore CA1031
                {
                    LogActionFailed(ex, SessionId, action.Kind);
                }
            }
        });
    }

    private TurnState Turn(string turnId)
    {
        if (!_turns.TryGetValue(turnId, out var turn))
        {
            turn = new TurnState();
            _turns[turnId] = turn;
        }

        return turn;
    }

    private void Enqueue(AnswerAudio batch)
    {
        var turn = Turn(batch.TurnId);
        if (batch.From(turn.NextSequence) is not { } audio)
        {
            return; // frames it already had: a sentence spoken again after its synthesis call was lost
        }

        turn.NextSequence = audio.NextSequence;
        if (!turn.Dropped && !_outputAvailable)
        {
            // Audio without a start seen (or after the output went away): undeliverable, reported once on the start.
            turn.Undeliverable = true;
        }

        if (turn.Dropped)
        {
            Interlocked.Add(ref _droppedFrames, audio.Frames.Length);
            return;
        }

        for (var i = 0; i < audio.Frames.Length; i++)
        {
            if (_queue.Count >= _maxQueuedFrames)
            {
                _queue.First!.Value.Turn.Queued--;
                _queue.RemoveFirst();
                Interlocked.Increment(ref _droppedFrames);
            }

            _queue.AddLast(new QueuedFrame(turn, audio.Frames[i], audio.EndsSentence && i == audio.Frames.Length - 1));
            turn.Queued++;
        }

        Wake();
    }

    private int RemoveQueuedWhere(Func<QueuedFrame, bool> predicate)
    {
        var removed = 0;
        for (var node = _queue.First; node is not null;)
        {
            var next = node.Next;
            if (predicate(node.Value))
            {
                node.Value.Turn.Queued--;
                _queue.Remove(node);
                removed++;
            }

            node = next;
        }

        Interlocked.Add(ref _droppedFrames, removed);
        return removed;
    }

    private void ForgetFinishedTurns()
    {
        foreach (var (turnId, turn) in _turns.ToArray())
        {
            if (turn.Completed && turn.Queued == 0)
            {
                _turns.Remove(turnId);
            }
        }
    }

    private bool TryDequeue(out ReadOnlyMemory<byte> frame)
    {
        List<AgentAction>? actions = null;
        lock (_gate)
        {
            if (_paused || _closed || _queue.First is not { } first)
            {
                frame = default;
                return false;
            }

            _queue.RemoveFirst();
            first.Value.Turn.Queued--;
            _lastPlayed = first.Value;
            if (first.Value.Turn is { Completed: true, Queued: 0 })
            {
                actions = TakeActionsIfPlayed(first.Value.Turn);
                ForgetFinishedTurns();
            }

            frame = first.Value.Frame;
        }

        RunActions(actions);
        Interlocked.Increment(ref _playedFrames);
        return true;
    }

    private async ValueTask<bool> WaitToReadAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            Task<bool> waiter;
            lock (_gate)
            {
                if (_closed)
                {
                    return false;
                }

                if (!_paused && _queue.Count > 0)
                {
                    return true;
                }

                _waiter ??= new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
                waiter = _waiter.Task;
            }

            await waiter.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    private void Wake()
    {
        var waiter = _waiter;
        _waiter = null;
        waiter?.TrySetResult(true);
    }

    private async Task ReportAsync(List<UndeliverableAnswer> lost)
    {
        foreach (var answer in lost)
        {
            LogUndeliverable(SessionId, answer.TurnId);
            try
            {
                await _onUndeliverable(answer).ConfigureAwait(false);
            }
#pragma warning disable CA1031 // The fallback failing must not break playback of later answers.
            catch (Exception ex)
#pragma warning restore CA1031
            {
                LogFallbackFailed(ex, SessionId, answer.TurnId);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Session {SessionId}: answer {TurnId} interrupted, {Frames} queued frames dropped")]
    private partial void LogInterrupted(string sessionId, string turnId, int frames);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Session {SessionId}: answer {TurnId} cannot be played (no voice output); handing it to the text fallback")]
    private partial void LogUndeliverable(string sessionId, string turnId);

    [LoggerMessage(Level = LogLevel.Error, Message = "Session {SessionId}: action {Action} failed")]
    private partial void LogActionFailed(Exception exception, string sessionId, string action);

    [LoggerMessage(Level = LogLevel.Error, Message = "Session {SessionId}: the text fallback failed for answer {TurnId}")]
    private partial void LogFallbackFailed(Exception exception, string sessionId, string turnId);

    private sealed class TurnState
    {
        public string? Text { get; set; }

        public int Queued { get; set; }

        /// <summary>The number of the next answer frame not yet had (frames numbered lower are not played twice).</summary>
        public long NextSequence { get; set; }

        public bool Completed { get; set; }

        public bool Interrupted { get; set; }

        public bool Undeliverable { get; set; }

        public bool Reported { get; set; }

        public List<AgentAction> Actions { get; } = [];

        public bool Dropped => Interrupted || Undeliverable;
    }

    private readonly record struct QueuedFrame(TurnState Turn, byte[] Frame, bool EndsSentence);

    /// <summary>The output side: only yields a frame when it may leave now.</summary>
    private sealed class PlayerReader(SessionAudioPlayer player) : ChannelReader<ReadOnlyMemory<byte>>
    {
        public override bool TryRead(out ReadOnlyMemory<byte> item) => player.TryDequeue(out item);

        public override ValueTask<bool> WaitToReadAsync(CancellationToken cancellationToken = default) => player.WaitToReadAsync(cancellationToken);
    }
}
