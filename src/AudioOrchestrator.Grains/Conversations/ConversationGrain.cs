using System.Runtime.CompilerServices;
using System.Threading.Channels;
using AudioOrchestrator.Contracts;
using AudioOrchestrator.Grains.BargeIn;
using AudioOrchestrator.Grains.Listening;
using AudioOrchestrator.Speech;
using Microsoft.Extensions.Logging;
using Orleans.Storage;

namespace AudioOrchestrator.Grains.Conversations;

/// <summary>
/// One session: answers its utterances one at a time in arrival order (each one a <see cref="TurnPipeline"/>), records
/// every answered turn in the persisted history before announcing it (<see cref="AnswerCompleted"/>), folds turns that
/// left the window agents see into a running summary, and handles barge-in on its live answer (<see cref="BargeInState"/>).
/// </summary>
/// <remarks>
/// The persisted history is only the recent window (<c>Conversation:MaxHistoryTurns</c>): every turn, and every later
/// change to one, goes to the turn archive (<see cref="ITurnArchiveSink"/>), so a session of months costs the same per
/// turn as a new one. A session that activates with no state of its own rebuilds its recent window from the archive
/// (<see cref="ITurnHistorySource"/>).
/// Forgetting the session (<see cref="DeleteAsync"/>) while a turn is in flight cancels it, drops the queue, and the
/// turn's end neither records nor publishes anything: the session stays deleted.
/// </remarks>
public sealed partial class ConversationGrain(
    [PersistentState("session", StorageNames.Sessions)] IPersistentState<SessionState> session,
    TurnServices services,
    RunningSummary runningSummary,
    GuildOptions<BargeInOptions> bargeInOptions,
    Microsoft.Extensions.Options.IOptions<Guardrails.PrivacyOptions> privacy,
    ILogger<ConversationGrain> logger,
    ITurnArchiveSink? archive = null,
    ITurnHistorySource? archivedHistory = null)
    : Grain, IConversationGrain, ITurnSink, IGrainMigrationParticipant
{
    /// <summary>The migration context's key of the upload parts and rests waiting for each other.</summary>
    private const string UploadPartsKey = "conversation.uploadParts";

    private readonly Queue<Utterance> _pending = new();
    private readonly SemaphoreSlim _writing = new(1, 1);
    private readonly Dictionary<string, PreparedTurn> _prepared = new(StringComparer.Ordinal);
    private readonly Dictionary<string, ChannelWriter<SessionOutputEvent>> _askers = new(StringComparer.Ordinal);
    private BargeInState? _bargeIn;
    private Task? _answering;
    private readonly RecentInputs _inputs = new();
    private readonly UploadParts _uploadParts = new();
    private IGrainTimer? _restWatch;
    private Task? _folding;

    /// <summary>A fold changed the running summary since the last write (it goes out with the next one).</summary>
    private bool _summaryUnwritten;
    private TurnPipeline? _current;
    private int _epoch;
    private bool _counted;

    private string SessionId => this.GetPrimaryKeyString();

    private BargeInState BargeIn => _bargeIn ??= new BargeInState(services.Clock);

    private ISessionOutputRelayGrain Output => GrainFactory.GetGrain<ISessionOutputRelayGrain>(SessionId);

    public Task SubmitUtteranceAsync(Utterance utterance)
    {
        ArgumentNullException.ThrowIfNull(utterance);

        // Acknowledge at once so the speaker keeps listening; the queue keeps each speaker's utterances in order.
        // The answering loop runs on this activation's scheduler, between the grain's other calls.
        _inputs.Add(utterance.CorrelationId);
        _pending.Enqueue(utterance);
        _answering ??= AnswerPendingAsync();
        if (_answering.IsCompleted)
        {
            _answering = null; // finished synchronously: nothing is running
        }

        return Task.CompletedTask;
    }

    public async IAsyncEnumerable<SessionOutputEvent> AskAsync(Utterance utterance, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(utterance);
        var correlationId = utterance.CorrelationId ?? throw new ArgumentException("A question needs a correlation id to follow its answer.", nameof(utterance));
        if (_askers.ContainsKey(correlationId))
        {
            throw new ArgumentException($"A question with correlation id '{correlationId}' is already being answered.", nameof(utterance));
        }

        var answer = Channel.CreateUnbounded<SessionOutputEvent>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
        _askers[correlationId] = answer.Writer;
        try
        {
            await SubmitUtteranceAsync(utterance);
            await foreach (var item in answer.Reader.ReadAllAsync(cancellationToken))
            {
                yield return item;
                if (item is AnswerCompleted or TurnFailed)
                {
                    yield break;
                }
            }
        }
        finally
        {
            _askers.Remove(correlationId);
        }
    }

    /// <summary>Publishes on audio-out, and hands an event of a question being followed (<see cref="AskAsync"/>) to its asker first.</summary>
    private Task PublishAsync(SessionOutputEvent item)
    {
        if (item.CorrelationId is { } correlationId && _askers.TryGetValue(correlationId, out var asker))
        {
            asker.TryWrite(item);
        }

        return PublishToRelayAsync(item);
    }

    /// <summary>Publishes on audio-out; a relay on a silo that is stopping or died is published to again once it activated elsewhere.</summary>
    private Task PublishToRelayAsync(SessionOutputEvent item) => SiloUnavailableRetry.RunAsync(() => Output.PublishAsync(item), services.Clock);

    public Task PrepareUtteranceAsync(Utterance utterance)
    {
        ArgumentNullException.ThrowIfNull(utterance);

        // A speaker has one utterance in the making: an older prepared one of theirs is obsolete.
        foreach (var stale in _prepared.Values.Where(p => p.Utterance.Speaker == utterance.Speaker).ToArray())
        {
            Discard(stale);
        }

        var state = session.State;
        var sink = new HeldTurnSink(this);
        var spoken = new SpokenAnswer();
        var pipeline = new TurnPipeline(services, sink, new TurnRequest(
            utterance, SessionId, GuildId, state.History.ToArray(), new Dictionary<string, string>(state.Context, StringComparer.Ordinal), spoken, Preemptive: true));
        _prepared[utterance.UtteranceId] = new PreparedTurn(utterance, pipeline, sink, spoken, pipeline.RunAsync());
        LogPrepared(logger, SessionId, utterance.UtteranceId);
        return Task.CompletedTask;
    }

    public Task DiscardPreparedAsync(string utteranceId)
    {
        if (_prepared.GetValueOrDefault(utteranceId) is { } prepared)
        {
            Discard(prepared);
            LogDiscarded(logger, SessionId, utteranceId);
        }

        return Task.CompletedTask;
    }

    private void Discard(PreparedTurn prepared)
    {
        services.Metrics.Preemptive.Add(1, new KeyValuePair<string, object?>("outcome", "discarded"));
        _prepared.Remove(prepared.Utterance.UtteranceId);
        prepared.Sink.Discard();
        prepared.Pipeline.Cancel(); // the model request is aborted
        _ = GrainFactory.GetGrain<ITurnCommitGrain>(prepared.Utterance.UtteranceId).DecideAsync(false);
        _ = prepared.Running.ContinueWith(_ => prepared.Pipeline.Dispose(), TaskScheduler.Current);
    }

    /// <summary>What the session is (a REST session until a transport opened it).</summary>
    private SessionProfile Profile => session.State.Profile ?? SessionProfile.Rest;

    private string? GuildId => Profile.GuildId;

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        services.Metrics.Operator.SessionActivated();
        _counted = true;
        WatchWaitingRests(); // a rest brought from a migrated activation
        var state = session.State;
        if (archivedHistory is null)
        {
            return; // nowhere to read from
        }

        if (state.CreatedAt != default || state.History.Count > 0)
        {
            await ArchiveMissedTurnsAsync(archivedHistory, state, cancellationToken);
            return; // the session has its own state
        }

        ArchivedHistory? archived;
        try
        {
            archived = await archivedHistory.ReadRecentAsync(SessionId, services.Options.Value.MaxHistoryTurns, cancellationToken);
        }
#pragma warning disable CA1031 // The archive is a second copy: when it cannot be read, the session starts empty instead of failing.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            LogRebuildFailed(logger, ex, SessionId);
            return;
        }

        if (archived is null || archived.Turns.Count == 0)
        {
            return;
        }

        // Not written now: the next turn writes it (a session only read stays as it was, and rebuilds again if need be).
        state.History = [.. archived.Turns];
        state.CreatedAt = archived.FirstActivityAt;
        state.UpdatedAt = archived.LastActivityAt;
        var newest = archived.Turns[^1];
        state.Context[SessionContextKeys.LastAgent] = newest.Agent;
        state.Context[SessionContextKeys.LastSpeaker] = newest.SpeakerId;
        state.Context[SessionContextKeys.TurnCount] = Math.Max(archived.TurnCount, archived.Turns.Count).ToString(System.Globalization.CultureInfo.InvariantCulture);
        if (state.Profile is null && archived.GuildId is { } guildId)
        {
            state.Profile = new SessionProfile(SessionTransports.Discord, guildId); // only Discord sessions have a guild
        }

        LogRebuilt(logger, SessionId, archived.Turns.Count, archived.TurnCount);
    }

    /// <summary>
    /// A turn is in the session's state before it is announced, but the archive is written behind, in the background: a
    /// silo that died in between (kill -9, a lost host) took the archive's copy with it. When the session activates again
    /// the turns of its state the archive lacks, newer than the archive's newest, are handed to the archive again
    /// (appending is idempotent on the turn id), counted in <c>audioorchestrator.archive.recovered_turns</c>.
    /// </summary>
    private async Task ArchiveMissedTurnsAsync(ITurnHistorySource history, SessionState state, CancellationToken cancellationToken)
    {
        if (archive is null || state.History.Count == 0)
        {
            return;
        }

        ArchivedHistory? archived;
        try
        {
            archived = await history.ReadRecentAsync(SessionId, services.Options.Value.MaxHistoryTurns, cancellationToken);
        }
#pragma warning disable CA1031 // The archive is a second copy: the session works without it; the next activation tries again.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            LogArchiveCatchUpFailed(logger, ex, SessionId);
            return;
        }

        var missed = ArchiveCatchUp.MissedTurns(state.History, archived);
        foreach (var turn in missed)
        {
            archive.Committed(SessionId, state.Profile?.GuildId, turn);
        }

        if (missed.Count > 0)
        {
            services.Metrics.ArchiveRecoveredTurns.Add(missed.Count);
            LogArchiveCaughtUp(logger, SessionId, missed.Count);
        }
    }

    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        if (_counted)
        {
            services.Metrics.Operator.SessionDeactivated();
            _counted = false;
        }

        foreach (var prepared in _prepared.Values.ToArray())
        {
            Discard(prepared);
        }

        LogDeactivating(logger, SessionId, reason.ReasonCode, reason.Description, _answering is not null, _pending.Count);
        // The last turn may start a fold as it ends: wait until neither runs.
        while ((_answering ?? _folding) is { } running)
        {
            await running.WaitAsync(cancellationToken);
        }

        if (_summaryUnwritten)
        {
            try
            {
                await PersistAsync();
            }
#pragma warning disable CA1031 // The fold is made again by the next activation: its turns are still in the history.
            catch (Exception ex)
#pragma warning restore CA1031
            {
                LogSummaryUnwritten(logger, ex, SessionId);
            }
        }
    }

    Task ITurnSink.PublishAsync(SessionOutputEvent item) => PublishAsync(item);

    /// <summary>
    /// Speaks a sentence; a synthesis grain whose silo stopped or died while it spoke is asked again (a new activation
    /// says the sentence from its first frame: listeners keep the first of each frame number, see <see cref="AnswerAudio"/>).
    /// </summary>
    Task<SynthesisResult> ITurnSink.SpeakAsync(SpeechRequest request) =>
        SiloUnavailableRetry.RunAsync(() => GrainFactory.GetGrain<ISpeechSynthesisGrain>(SessionId).SpeakAsync(request), services.Clock);

    private async Task AnswerPendingAsync()
    {
        try
        {
            while (_pending.TryDequeue(out var utterance))
            {
                await AnswerAsync(utterance);
            }
        }
        finally
        {
            _answering = null;
        }
    }

    private async Task AnswerAsync(Utterance utterance)
    {
        var epoch = _epoch;
        var live = utterance.CorrelationId is null;
        var state = session.State;
        var prepared = _prepared.Remove(utterance.UtteranceId, out var ahead) ? ahead : null;
        var spoken = prepared?.Spoken ?? new SpokenAnswer();
        using var pipeline = prepared?.Pipeline ?? new TurnPipeline(services, this, new TurnRequest(
            utterance, SessionId, GuildId, state.History.ToArray(), new Dictionary<string, string>(state.Context, StringComparer.Ordinal), spoken));
        _current = pipeline;
        if (live)
        {
            BargeIn.Begin(pipeline.TurnId, spoken);
        }

        TurnOutcome outcome;
        try
        {
            if (prepared is not null)
            {
                // Answered ahead while the speaker's silence was still short: keep it, with the real end of the utterance.
                pipeline.Commit(utterance);
                await GrainFactory.GetGrain<ITurnCommitGrain>(utterance.UtteranceId).DecideAsync(true);
                await prepared.Sink.CommitAsync();
                LogCommitted(logger, SessionId, utterance.UtteranceId);
            }

            outcome = await (prepared?.Running ?? pipeline.RunAsync());
        }
        finally
        {
            _current = null;
            BargeIn.Finish(pipeline.TurnId);
        }

        if (epoch != _epoch)
        {
            return; // the session was forgotten meanwhile: it stays forgotten
        }

        if (outcome.Turn is not { } turn)
        {
            if (outcome.Failed is { } failed)
            {
                archive?.Committed(SessionId, GuildId, Redacted(failed)); // the archive keeps every failed turn, with its reason
            }

            await PublishAsync(new TurnFailed(pipeline.TurnId, outcome.FailureReason ?? "The turn failed.") { CorrelationId = utterance.CorrelationId });
            return;
        }

        if (prepared is not null)
        {
            turn = turn with { AnsweredAhead = true };
            services.Metrics.Preemptive.Add(1, new KeyValuePair<string, object?>("outcome", "kept"));
        }

        var recorded = await RecordTurnAsync(turn, outcome.Actions);
        foreach (var action in outcome.Actions.Where(a => !IsContextAction(a)))
        {
            await PublishAsync(new AgentActionRequested(turn.TurnId, action) { CorrelationId = utterance.CorrelationId });
        }

        await PublishAsync(new AnswerCompleted(turn.TurnId, turn.Timings!, turn.ResponseText, turn.Error) { CorrelationId = utterance.CorrelationId });
        await PublishToRelayAsync(new TurnRecorded(session.State.Profile?.GuildId, recorded) { CorrelationId = utterance.CorrelationId });
        FoldIfDue();
    }

    public async Task<bool> SpeechStartedAsync(SpeechOnset onset)
    {
        ArgumentNullException.ThrowIfNull(onset);
        var outcome = BargeIn.Pause(onset.Speaker.SpeakerId);
        if (outcome != PauseOutcome.Paused)
        {
            // Observers hear of every onset; a pause (below) says it itself, so its latency is unchanged.
            await PublishToRelayAsync(new SpeechStarted(onset.Speaker.SpeakerId, onset.SpeechStartedAt));
        }

        if (outcome == PauseOutcome.NotSpeaking)
        {
            return false;
        }

        if (outcome == PauseOutcome.Paused)
        {
            if (_current is { IsGenerating: true } generating && bargeInOptions.For(GuildId).StopGenerationOnPause)
            {
                generating.StopGeneration();
                LogGenerationStopped(logger, SessionId, generating.TurnId, onset.Speaker.SpeakerId);
            }

            await PublishToRelayAsync(new PlaybackPaused(onset.Speaker.SpeakerId, onset.SpeechStartedAt));
        }

        return true;
    }

    public async Task SettleBargeInAsync(BargeInDecision decision)
    {
        ArgumentNullException.ThrowIfNull(decision);
        if (BargeIn.Settle(decision.Speaker.SpeakerId, decision.Interrupt) is not { } settled)
        {
            return;
        }

        if (settled.Interrupted)
        {
            var running = _current?.TurnId == settled.TurnId ? _current : null;
            running?.Cancel();
            await GrainFactory.GetGrain<ISpeechSynthesisGrain>(SessionId).StopAsync(settled.TurnId);
            await PublishToRelayAsync(new AnswerInterrupted(settled.TurnId, decision.Speaker.SpeakerId));
            if (running is null)
            {
                // Already recorded (and archived) as fully answered: keep only what was heard, in both.
                var heard = settled.SpokenText ?? "";
                heard = privacy.Value.RedactHistory ? PiiRedactor.Redact(heard) : heard;
                archive?.Interrupted(SessionId, settled.TurnId, heard);
                await UpdateTurnAsync(settled.TurnId, t => t with { Interrupted = true, ResponseText = heard });
            }

            LogInterrupted(logger, SessionId, settled.TurnId, decision.Speaker.SpeakerId);
            return;
        }

        if (settled.Resumed)
        {
            await PublishToRelayAsync(new PlaybackResumed(decision.Speaker.SpeakerId));
        }
    }

    public Task CompleteInputAsync(InputCompletion completion)
    {
        ArgumentNullException.ThrowIfNull(completion);
        if (_uploadParts.Take(completion, services.Clock.GetUtcNow()) is { } completed)
        {
            return PublishToRelayAsync(completed);
        }

        WatchWaitingRests();
        return Task.CompletedTask;
    }

    /// <summary>While an upload's rest waits for its part, checks every second whether it waited long enough (then it is cut).</summary>
    private void WatchWaitingRests()
    {
        if (_uploadParts.AnyRestWaiting && _restWatch is null)
        {
            _restWatch = this.RegisterGrainTimer(PublishExpiredRestsAsync, new GrainTimerCreationOptions
            {
                DueTime = TimeSpan.FromSeconds(1),
                Period = TimeSpan.FromSeconds(1),
            });
        }
    }

    private async Task PublishExpiredRestsAsync(CancellationToken cancellationToken)
    {
        foreach (var expired in _uploadParts.Expire(services.Clock.GetUtcNow()))
        {
            LogRestExpired(logger, SessionId, expired.CorrelationId ?? "-", expired.SpeakerId, UploadParts.PartWait.TotalSeconds);
            await PublishToRelayAsync(expired);
        }

        if (!_uploadParts.AnyRestWaiting)
        {
            _restWatch?.Dispose();
            _restWatch = null;
        }
    }

    void IGrainMigrationParticipant.OnDehydrate(IDehydrationContext dehydrationContext)
    {
        ArgumentNullException.ThrowIfNull(dehydrationContext);
        var waiting = _uploadParts.Snapshot();
        if (waiting.Count > 0)
        {
            dehydrationContext.TryAddValue(UploadPartsKey, waiting.ToArray());
        }
    }

    void IGrainMigrationParticipant.OnRehydrate(IRehydrationContext rehydrationContext)
    {
        ArgumentNullException.ThrowIfNull(rehydrationContext);
        if (rehydrationContext.TryGetValue(UploadPartsKey, out WaitingInput[]? waiting) && waiting is not null)
        {
            _uploadParts.Restore(waiting);
        }
    }

    public async Task OpenAsync(SessionProfile profile)
    {
        ArgumentNullException.ThrowIfNull(profile);
        var current = session.State.Profile;
        if (!profile.Replaces(current))
        {
            return;
        }

        session.State.Profile = profile;
        await PersistAsync();
        LogOpened(logger, SessionId, profile.Transport, profile.GuildId ?? "-");
    }

    public Task<SessionProfile> GetProfileAsync() => Task.FromResult(Profile);

    public Task<SessionSnapshot?> GetSnapshotAsync()
    {
        if (session.State.CreatedAt == default) // nothing recorded (a profile alone is not a conversation yet)
        {
            return Task.FromResult<SessionSnapshot?>(null);
        }

        var state = session.State;
        return Task.FromResult<SessionSnapshot?>(new SessionSnapshot(
            SessionId, state.CreatedAt, state.UpdatedAt,
            new Dictionary<string, string>(state.Context, StringComparer.Ordinal),
            state.History.ToArray()));
    }

    public Task<bool> HasInputAsync(string correlationId)
    {
        ArgumentException.ThrowIfNullOrEmpty(correlationId);
        return Task.FromResult(_inputs.Contains(correlationId));
    }

    public Task ProbeOutputAsync(string token)
    {
        ArgumentException.ThrowIfNullOrEmpty(token);
        return PublishToRelayAsync(new OutputProbe(token));
    }

    public async Task DeleteAsync()
    {
        _epoch++;
        _pending.Clear();
        _inputs.Clear(); // the uploads being answered are dropped with the session: their waiters are told so
        _current?.Cancel();
        foreach (var asker in _askers.Values)
        {
            asker.TryComplete(); // forgotten: the answers being followed end without completing
        }

        foreach (var prepared in _prepared.Values.ToArray())
        {
            Discard(prepared);
        }

        BargeIn.Clear();
        await _writing.WaitAsync();
        try
        {
            _summaryUnwritten = false; // after any write in flight: its failure must not bring the forgotten state back

            // The conversation is forgotten; what the session is stays (the guild's bot may still be in its channel).
            var profile = session.State.Profile;
            if (archive is not null)
            {
                await archive.ForgetAsync(SessionId, CancellationToken.None);
            }

            await session.ClearStateAsync();
            await GrainFactory.GetGrain<ISessionOutputRelayGrain>(SessionId).ForgetAsync(); // its kept answers go too
            session.State = new SessionState { Profile = profile };
            if (profile is not null)
            {
                await session.WriteStateAsync();
            }
        }
        finally
        {
            _writing.Release();
        }

        DeactivateOnIdle();
    }

    /// <summary>Rewrites a recorded turn (an interruption after it was recorded) and persists the history.</summary>
    private async Task UpdateTurnAsync(string turnId, Func<ConversationTurn, ConversationTurn> update)
    {
        var history = session.State.History;
        var index = history.FindLastIndex(t => t.TurnId == turnId);
        if (index < 0)
        {
            return; // already out of the recent window (the archive has the change)
        }

        history[index] = update(history[index]);
        session.State.UpdatedAt = services.Clock.GetUtcNow();
        await PersistAsync();
    }

    /// <summary>The turn as it may be kept: with <c>Privacy:RedactHistory</c>, personal data is redacted from what was said and answered.</summary>
    private ConversationTurn Redacted(ConversationTurn turn) => privacy.Value.RedactHistory
        ? turn with { Transcript = PiiRedactor.Redact(turn.Transcript), ResponseText = PiiRedactor.Redact(turn.ResponseText) }
        : turn;

    private static bool IsContextAction(AgentAction action) => action.Kind is AgentAction.RememberFact or AgentAction.ForgetFact;

    /// <summary>Records the turn and applies its context actions (remembered and forgotten facts) in one write; returns the turn as recorded.</summary>
    private async Task<ConversationTurn> RecordTurnAsync(ConversationTurn turn, IReadOnlyList<AgentAction> actions)
    {
        turn = Redacted(turn);

        var state = session.State;
        foreach (var action in actions.Where(IsContextAction))
        {
            var name = action.Arguments?.GetValueOrDefault("name");
            if (name is null || !name.StartsWith(SessionContextKeys.FactPrefix, StringComparison.Ordinal))
            {
                continue;
            }

            if (action.Kind == AgentAction.ForgetFact)
            {
                state.Context.Remove(name);
            }
            else if (action.Arguments!.GetValueOrDefault("value") is { } value
                && (state.Context.ContainsKey(name) || state.Context.Keys.Count(k => k.StartsWith(SessionContextKeys.FactPrefix, StringComparison.Ordinal)) < Tools.BuiltInTools.MaxFacts))
            {
                state.Context[name] = privacy.Value.RedactHistory ? PiiRedactor.Redact(value) : value;
            }
        }

        var now = services.Clock.GetUtcNow();
        if (state.CreatedAt == default)
        {
            state.CreatedAt = now;
        }

        state.UpdatedAt = now;
        state.History.Add(turn);
        var excess = state.History.Count - services.Options.Value.MaxHistoryTurns;
        if (excess > 0)
        {
            state.History.RemoveRange(0, excess);
        }

        archive?.Committed(SessionId, state.Profile?.GuildId, turn);
        state.Context[SessionContextKeys.LastAgent] = turn.Agent;
        state.Context[SessionContextKeys.LastSpeaker] = turn.SpeakerId;
        state.Context[SessionContextKeys.TurnCount] = (int.TryParse(state.Context.GetValueOrDefault(SessionContextKeys.TurnCount), out var n) ? n + 1 : 1).ToString(System.Globalization.CultureInfo.InvariantCulture);
        await PersistAsync();
        return turn;
    }

    /// <summary>
    /// Writes the state, one write at a time: the answering loop, barge-in and the summary fold interleave on this
    /// activation, and two overlapping writes would race on the storage's etag. When the etag moved on anyway (another
    /// activation of this session wrote, around a silo's death or restart), the stored state is read and joined with
    /// this one (<see cref="SessionStateMerge"/>) and written again; without this every later write of this activation
    /// failed the same way and the session answered nothing until it was deactivated.
    /// </summary>
    private async Task PersistAsync()
    {
        await _writing.WaitAsync();
        try
        {
            _summaryUnwritten = false; // this write has the summary as it is now
            for (var attempt = 1; ; attempt++)
            {
                try
                {
                    await session.WriteStateAsync();
                    return;
                }
                catch (InconsistentStateException ex) when (attempt < 3)
                {
                    LogStaleState(SessionId, attempt, ex.Message);
                    var mine = session.State;
                    await session.ReadStateAsync();
                    session.State = SessionStateMerge.Merge(session.State, mine);
                }
            }
        }
        catch
        {
            _summaryUnwritten = true; // not written: the next write (or the deactivation) tries again
            throw;
        }
        finally
        {
            _writing.Release();
        }
    }

    /// <summary>Folds turns that left the agents' window into the running summary, in the background (one fold at a time).</summary>
    private void FoldIfDue()
    {
        if (_folding is not null)
        {
            return;
        }

        var state = session.State;
        var due = ConversationMemory.DueForSummary(state.History, state.Context.GetValueOrDefault(SessionContextKeys.SummarizedThrough), services.Options.Value.MaxHistoryMessages);
        if (due.Count == 0)
        {
            return;
        }

        // A fold without a model completes at once (its finally ran before this assignment): nothing is left running.
        var folding = FoldAsync(due, _epoch);
        _folding = folding.IsCompleted ? null : folding;
    }

    private async Task FoldAsync(IReadOnlyList<ConversationTurn> due, int epoch)
    {
        try
        {
            var summary = await runningSummary.FoldAsync(
                session.State.Context.GetValueOrDefault(SessionContextKeys.Summary), ConversationMemory.Exchanges(due), CancellationToken.None);
            if (epoch != _epoch)
            {
                return;
            }

            // Written with the next turn (or when the activation goes away), not on its own: one write per turn instead
            // of two once the window is full. Lost with a crashed silo, the fold is made again: the turns it covered
            // are still in the history, which only a written turn moves on.
            session.State.Context[SessionContextKeys.Summary] = summary;
            session.State.Context[SessionContextKeys.SummarizedThrough] = due[^1].TurnId;
            _summaryUnwritten = true;
        }
#pragma warning disable CA1031 // A failed fold is retried after the next turn; the session keeps working.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            LogFoldFailed(logger, ex, SessionId);
        }
        finally
        {
            _folding = null;
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Session {SessionId}: deactivating ({Reason}: {Description}); answering {Answering}, {Pending} utterance(s) queued")]
    private static partial void LogDeactivating(ILogger logger, string sessionId, DeactivationReasonCode reason, string description, bool answering, int pending);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Session {SessionId}: another activation wrote the session meanwhile (attempt {Attempt}: {Reason}); its turns and this activation's are joined and written again")]
    private partial void LogStaleState(string sessionId, int attempt, string reason);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Session {SessionId}: answering turn {TurnId} ahead (preemptively)")]
    private static partial void LogPrepared(ILogger logger, string sessionId, string turnId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Session {SessionId}: the answer prepared ahead for turn {TurnId} was discarded: the speaker went on")]
    private static partial void LogDiscarded(ILogger logger, string sessionId, string turnId);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Session {SessionId}: the answer prepared ahead for turn {TurnId} is kept")]
    private static partial void LogCommitted(ILogger logger, string sessionId, string turnId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Session {SessionId}: the answer of turn {TurnId} was interrupted by {SpeakerId}")]
    private static partial void LogInterrupted(ILogger logger, string sessionId, string turnId, string speakerId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Session {SessionId}: {SpeakerId} started speaking while turn {TurnId} was being written; the writing was stopped")]
    private static partial void LogGenerationStopped(ILogger logger, string sessionId, string turnId, string speakerId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Session {SessionId}: folding old turns into the running summary failed; retried after the next turn")]
    private static partial void LogFoldFailed(ILogger logger, Exception exception, string sessionId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Session {SessionId}: upload {CorrelationId} of {SpeakerId}: the end heard by a new speaker activation waited {Seconds:0.#} s for the part heard before it (gone with its silo, or still on its way); answered as cut")]
    private static partial void LogRestExpired(ILogger logger, string sessionId, string correlationId, string speakerId, double seconds);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Session {SessionId}: the running summary could not be written as the activation went away; the next activation folds again")]
    private static partial void LogSummaryUnwritten(ILogger logger, Exception exception, string sessionId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Session {SessionId}: rebuilt its recent history from the turn archive ({Turns} of {Archived} archived turns)")]
    private static partial void LogRebuilt(ILogger logger, string sessionId, int turns, long archived);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Session {SessionId}: reading its recent history from the turn archive failed; it starts empty")]
    private static partial void LogRebuildFailed(ILogger logger, Exception exception, string sessionId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Session {SessionId}: {Turns} turns of its state were missing from the turn archive (a silo stopped before writing them) and were handed to it again")]
    private static partial void LogArchiveCaughtUp(ILogger logger, string sessionId, int turns);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Session {SessionId}: checking the turn archive for turns a stopped silo did not write failed; checked again at the next activation")]
    private static partial void LogArchiveCatchUpFailed(ILogger logger, Exception exception, string sessionId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Session {SessionId} opened by {Transport} (guild {GuildId})")]
    private static partial void LogOpened(ILogger logger, string sessionId, string transport, string guildId);
}

/// <summary>An answer started ahead of its utterance's certain end.</summary>
internal sealed record PreparedTurn(Utterance Utterance, TurnPipeline Pipeline, HeldTurnSink Sink, SpokenAnswer Spoken, Task<TurnOutcome> Running);
