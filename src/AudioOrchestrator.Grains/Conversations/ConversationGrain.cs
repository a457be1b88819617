using System.Diagnostics;
using AudioOrchestrator.Contracts;
using AudioOrchestrator.Grains.Routing;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Streams;

namespace AudioOrchestrator.Grains.Conversations;

/// <summary>
/// One session: routes each utterance to an agent, records the turn in the persisted history, and has the
/// answer spoken onto the session's audio-out stream.
/// </summary>
/// <remarks>
/// Barge-in: the session knows what it is saying. While a live answer is being synthesised or is estimated to be still
/// playing (first frame + frames x 20 ms, extended by pauses), a speaker's speech onset pauses it
/// (<see cref="PlaybackPaused"/>); the speaker then settles the pause: <see cref="PlaybackResumed"/> for a backchannel
/// (once no speaker holds a pause), or <see cref="AnswerInterrupted"/>, which cancels the rest of the synthesis and
/// records the turn as interrupted. Answers to uploads (with a correlation id) are never paused.
/// </remarks>
public sealed partial class ConversationGrain(
    [PersistentState("session", StorageNames.Sessions)] IPersistentState<SessionState> session,
    AgentRouter router,
    IOptions<ConversationOptions> options,
    PipelineMetrics metrics,
    TimeProvider clock,
    ILogger<ConversationGrain> logger)
    : Grain, IConversationGrain
{
    private readonly Queue<Utterance> _pending = new();
    private IAsyncStream<SessionOutputEvent>? _output;
    private Task? _answering;
    private LivePlayback? _playback;

    private string SessionId => this.GetPrimaryKeyString();

    private IAsyncStream<SessionOutputEvent> Output => _output ??= this.GetStreamProvider(StreamNames.Provider)
        .GetStream<SessionOutputEvent>(StreamId.Create(StreamNames.AudioOut, SessionId));

    public Task SubmitUtteranceAsync(Utterance utterance)
    {
        ArgumentNullException.ThrowIfNull(utterance);

        // Acknowledge at once so the speaker keeps listening; the queue keeps each speaker's utterances in order.
        // The answering loop runs on this activation's scheduler, between the grain's other calls.
        _pending.Enqueue(utterance);
        _answering ??= AnswerPendingAsync();
        if (_answering.IsCompleted)
        {
            _answering = null; // finished synchronously: nothing is running
        }

        return Task.CompletedTask;
    }

    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        if (_answering is { } answering)
        {
            await answering.WaitAsync(cancellationToken);
        }

        _playback?.Cancellation.Dispose();
        _playback = null;
    }

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
        var turnId = utterance.UtteranceId;
        using var activity = TelemetryNames.ActivitySource.StartActivity("conversation.turn");
        activity?.SetTag("session.id", SessionId);
        activity?.SetTag("turn.id", turnId);
        activity?.SetTag("correlation.id", utterance.CorrelationId);
        using var scope = logger.BeginScope("Session {SessionId} turn {TurnId} correlation {CorrelationId}", SessionId, turnId, utterance.CorrelationId);
        try
        {
            var route = router.Route(utterance.TextForAgents ?? utterance.Transcript)
                ?? throw new InvalidOperationException("No agent can answer: no phrase matched and no fallback agent exists.");
            activity?.SetTag("agent", route.Agent.Name);

            var agentStarted = Stopwatch.GetTimestamp();
            var reply = await AskAgentAsync(route, utterance, turnId);
            var agentMs = Stopwatch.GetElapsedTime(agentStarted).TotalMilliseconds;
            metrics.AgentDuration.Record(agentMs, new KeyValuePair<string, object?>("agent", route.Agent.Name));

            var heard = StageTimings(utterance.Timings, agentMs);
            await RecordTurnAsync(new ConversationTurn(
                turnId, utterance.Speaker.SpeakerId, utterance.Transcript, route.Agent.Name, reply.Text,
                utterance.Timings.SpeechStartedAt, clock.GetUtcNow(), Timings: heard), route.Agent.Name);
            LogTurn(
                logger, SessionId, route.Agent.Name, utterance.Transcript, reply.Text, heard.SttMs, heard.AgentMs,
                heard.EndOfUtteranceDelayMs ?? double.NaN, heard.WakeDetectMs ?? double.NaN, utterance.Timings.SpeechStartedAt, utterance.Timings.SpeechEndedAt);

            await Output.OnNextAsync(new AnswerStarted(turnId, utterance.Speaker.SpeakerId, utterance.Transcript, route.Agent.Name, reply.Text)
            {
                CorrelationId = utterance.CorrelationId,
            });

            var synthesisStartedAt = clock.GetUtcNow();
            var playback = utterance.CorrelationId is null ? StartPlayback(turnId) : null;
            SynthesisResult synthesis;
            try
            {
                synthesis = await GrainFactory.GetGrain<ISpeechSynthesisGrain>(SessionId)
                    .SpeakAsync(new SpeechRequest(SessionId, turnId, reply.Text, utterance.CorrelationId));
            }
            catch (OperationCanceledException) when (playback?.Cancellation.IsCancellationRequested == true)
            {
                // Barge-in: the rest of the answer is not synthesised.
                var spent = (clock.GetUtcNow() - synthesisStartedAt).TotalMilliseconds;
                synthesis = new SynthesisResult(spent, spent, 0);
            }

            if (playback is not null)
            {
                // Played from (about) the first frame for as long as the frames last; pauses extend it.
                playback.EndsAt = synthesisStartedAt + TimeSpan.FromMilliseconds(synthesis.FirstAudioMs + (synthesis.FrameCount * 20.0)) + playback.PausedFor;
            }

            var eouToFirstAudio = (synthesisStartedAt - utterance.Timings.EndOfUtteranceAt).TotalMilliseconds + synthesis.FirstAudioMs;
            metrics.TtsFirstAudio.Record(synthesis.FirstAudioMs);
            metrics.EndOfUtteranceToFirstAudio.Record(eouToFirstAudio);
            metrics.Turns.Add(1, new KeyValuePair<string, object?>("agent", route.Agent.Name));

            var timings = heard with { TtsMs = synthesis.TotalMs, EndOfUtteranceToFirstAudioMs = eouToFirstAudio };
            await UpdateTurnAsync(turnId, t => t with { Timings = timings });
            await Output.OnNextAsync(new AnswerCompleted(turnId, timings) { CorrelationId = utterance.CorrelationId });
        }
#pragma warning disable CA1031 // A one-way turn must end in a TurnFailed event, whatever went wrong.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            metrics.FailedTurns.Add(1);
            LogTurnFailed(logger, ex, SessionId, turnId);
            activity?.SetStatus(ActivityStatusCode.Error, ex.Message);
            await Output.OnNextAsync(new TurnFailed(turnId, ex.Message) { CorrelationId = utterance.CorrelationId });
        }
    }

    /// <summary>The live answer now being spoken replaces the previous one (whose synthesis has finished).</summary>
    private LivePlayback StartPlayback(string turnId)
    {
        _playback?.Cancellation.Dispose();
        _playback = new LivePlayback(turnId, new CancellationTokenSource());
        return _playback;
    }

    public async Task<bool> SpeechStartedAsync(SpeechOnset onset)
    {
        ArgumentNullException.ThrowIfNull(onset);
        var now = clock.GetUtcNow();
        if (_playback is not { } playback || playback.Interrupted || (playback.Pausers.Count == 0 && playback.EndsAt is { } end && now >= end))
        {
            return false;
        }

        if (playback.Pausers.Add(onset.Speaker.SpeakerId) && playback.Pausers.Count == 1)
        {
            playback.PausedAt = now;
            await Output.OnNextAsync(new PlaybackPaused(onset.Speaker.SpeakerId, onset.SpeechStartedAt));
        }

        return true;
    }

    public async Task SettleBargeInAsync(BargeInDecision decision)
    {
        ArgumentNullException.ThrowIfNull(decision);
        if (_playback is not { } playback || playback.Interrupted || !playback.Pausers.Remove(decision.Speaker.SpeakerId))
        {
            return;
        }

        if (decision.Interrupt)
        {
            playback.Interrupted = true;
            playback.Pausers.Clear();
            await playback.Cancellation.CancelAsync();
            await GrainFactory.GetGrain<ISpeechSynthesisGrain>(SessionId).StopAsync(playback.TurnId);
            await Output.OnNextAsync(new AnswerInterrupted(playback.TurnId, decision.Speaker.SpeakerId));
            await UpdateTurnAsync(playback.TurnId, t => t with { Interrupted = true });
            LogInterrupted(logger, SessionId, playback.TurnId, decision.Speaker.SpeakerId);
            return;
        }

        if (playback.Pausers.Count == 0)
        {
            var paused = clock.GetUtcNow() - playback.PausedAt;
            playback.PausedFor += paused;
            playback.EndsAt += paused;
            await Output.OnNextAsync(new PlaybackResumed(decision.Speaker.SpeakerId));
        }
    }

    public Task CompleteInputAsync(InputCompletion completion)
    {
        ArgumentNullException.ThrowIfNull(completion);
        return Output.OnNextAsync(new InputCompleted(completion.Speaker.SpeakerId, completion.UtteranceCount)
        {
            CorrelationId = completion.CorrelationId,
        });
    }

    public Task<SessionSnapshot?> GetSnapshotAsync()
    {
        if (!session.RecordExists)
        {
            return Task.FromResult<SessionSnapshot?>(null);
        }

        var state = session.State;
        return Task.FromResult<SessionSnapshot?>(new SessionSnapshot(
            SessionId, state.CreatedAt, state.UpdatedAt,
            new Dictionary<string, string>(state.Context, StringComparer.Ordinal),
            state.History.ToArray()));
    }

    public async Task DeleteAsync()
    {
        await session.ClearStateAsync();
        session.State = new SessionState();
        DeactivateOnIdle();
    }

    private async Task<AgentReply> AskAgentAsync(RouteDecision route, Utterance utterance, string turnId)
    {
        var recent = session.State.History
            .Skip(Math.Max(0, session.State.History.Count - options.Value.RecentTurnsForAgents))
            .ToArray();
        var request = new AgentRequest(utterance.Speaker, route.Text, route.Slots, recent, turnId);
        var agent = GrainFactory.GetGrain<IAgentGrain>(route.Agent.Name, route.Agent.GrainClass.FullName);
        using var timeout = new CancellationTokenSource(options.Value.AgentTimeout);
        try
        {
            return await agent.RespondAsync(request, timeout.Token).WaitAsync(timeout.Token);
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested)
        {
            throw new TimeoutException($"Agent '{route.Agent.Name}' did not answer within {options.Value.AgentTimeout.TotalSeconds:F1} s.");
        }
    }

    private static TurnTimings StageTimings(UtteranceTimings heard, double agentMs) => new(
        heard.SttMs, agentMs, 0, 0, heard.AudioMs,
        heard.EndOfUtteranceDelayMs,
        heard.WakeDetectedAt is { } wake ? (wake - heard.SpeechStartedAt).TotalMilliseconds : null,
        heard.SpeechStartedAt, heard.SpeechEndedAt, heard.EndOfUtteranceAt, heard.WakeDetectedAt);

    /// <summary>Rewrites a recorded turn (timings after speaking, the interrupted flag) and persists the history.</summary>
    private async Task UpdateTurnAsync(string turnId, Func<ConversationTurn, ConversationTurn> update)
    {
        var history = session.State.History;
        var index = history.FindLastIndex(t => t.TurnId == turnId);
        if (index < 0)
        {
            return; // already dropped from the bounded history
        }

        history[index] = update(history[index]);
        session.State.UpdatedAt = clock.GetUtcNow();
        await session.WriteStateAsync();
    }

    private async Task RecordTurnAsync(ConversationTurn turn, string agent)
    {
        var state = session.State;
        var now = clock.GetUtcNow();
        if (!session.RecordExists && state.History.Count == 0)
        {
            state.CreatedAt = now;
        }

        state.UpdatedAt = now;
        state.History.Add(turn);
        var excess = state.History.Count - options.Value.MaxHistoryTurns;
        if (excess > 0)
        {
            state.History.RemoveRange(0, excess);
        }

        state.Context["lastAgent"] = agent;
        state.Context["lastSpeaker"] = turn.SpeakerId;
        state.Context["turnCount"] = (int.TryParse(state.Context.GetValueOrDefault("turnCount"), out var n) ? n + 1 : 1).ToString(System.Globalization.CultureInfo.InvariantCulture);
        await session.WriteStateAsync();
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Session {SessionId}: {Agent} answered \"{Transcript}\" with \"{Response}\" (stt {SttMs:F1} ms, agent {AgentMs:F1} ms, end-of-utterance decision {EouDelayMs:F0} ms after speech, wake detected {WakeDetectMs:F0} ms after speech start; speech heard {SpeechStartedAt:O} to {SpeechEndedAt:O})")]
    private static partial void LogTurn(
        ILogger logger, string sessionId, string agent, string transcript, string response, double sttMs, double agentMs,
        double eouDelayMs, double wakeDetectMs, DateTimeOffset speechStartedAt, DateTimeOffset speechEndedAt);

    [LoggerMessage(Level = LogLevel.Information, Message = "Session {SessionId}: the answer of turn {TurnId} was interrupted by {SpeakerId}")]
    private static partial void LogInterrupted(ILogger logger, string sessionId, string turnId, string speakerId);

    [LoggerMessage(Level = LogLevel.Error, Message = "Session {SessionId}: turn {TurnId} failed")]
    private static partial void LogTurnFailed(ILogger logger, Exception exception, string sessionId, string turnId);
}

/// <summary>The live answer the session is speaking (or has spoken and is estimated to be still playing).</summary>
internal sealed class LivePlayback(string turnId, CancellationTokenSource cancellation)
{
    public string TurnId { get; } = turnId;

    public CancellationTokenSource Cancellation { get; } = cancellation;

    /// <summary>Estimated end of playback; null while synthesis is still running.</summary>
    public DateTimeOffset? EndsAt { get; set; }

    public HashSet<string> Pausers { get; } = new(StringComparer.Ordinal);

    public DateTimeOffset PausedAt { get; set; }

    public TimeSpan PausedFor { get; set; }

    public bool Interrupted { get; set; }
}
