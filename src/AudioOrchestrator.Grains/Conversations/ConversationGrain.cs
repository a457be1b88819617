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
            var route = router.Route(utterance.Transcript)
                ?? throw new InvalidOperationException("No agent can answer: no phrase matched and no fallback agent exists.");
            activity?.SetTag("agent", route.Agent.Name);

            var agentStarted = Stopwatch.GetTimestamp();
            var reply = await AskAgentAsync(route, utterance, turnId);
            var agentMs = Stopwatch.GetElapsedTime(agentStarted).TotalMilliseconds;
            metrics.AgentDuration.Record(agentMs, new KeyValuePair<string, object?>("agent", route.Agent.Name));

            await RecordTurnAsync(new ConversationTurn(
                turnId, utterance.Speaker.SpeakerId, utterance.Transcript, route.Agent.Name, reply.Text,
                utterance.Timings.SpeechStartedAt, clock.GetUtcNow()), route.Agent.Name);
            LogTurn(logger, SessionId, route.Agent.Name, utterance.Transcript, reply.Text);

            await Output.OnNextAsync(new AnswerStarted(turnId, utterance.Speaker.SpeakerId, utterance.Transcript, route.Agent.Name, reply.Text)
            {
                CorrelationId = utterance.CorrelationId,
            });

            var synthesisStartedAt = clock.GetUtcNow();
            var synthesis = await GrainFactory.GetGrain<ISpeechSynthesisGrain>(0)
                .SpeakAsync(new SpeechRequest(SessionId, turnId, reply.Text, utterance.CorrelationId));
            var eouToFirstAudio = (synthesisStartedAt - utterance.Timings.EndOfUtteranceAt).TotalMilliseconds + synthesis.FirstAudioMs;
            metrics.TtsFirstAudio.Record(synthesis.FirstAudioMs);
            metrics.EndOfUtteranceToFirstAudio.Record(eouToFirstAudio);
            metrics.Turns.Add(1, new KeyValuePair<string, object?>("agent", route.Agent.Name));

            var timings = new TurnTimings(utterance.Timings.SttMs, agentMs, synthesis.TotalMs, eouToFirstAudio, utterance.Timings.AudioMs);
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

    [LoggerMessage(Level = LogLevel.Information, Message = "Session {SessionId}: {Agent} answered \"{Transcript}\" with \"{Response}\"")]
    private static partial void LogTurn(ILogger logger, string sessionId, string agent, string transcript, string response);

    [LoggerMessage(Level = LogLevel.Error, Message = "Session {SessionId}: turn {TurnId} failed")]
    private static partial void LogTurnFailed(ILogger logger, Exception exception, string sessionId, string turnId);
}
