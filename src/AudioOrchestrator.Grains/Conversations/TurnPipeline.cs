using System.Diagnostics;
using System.Text;
using System.Threading.Channels;
using AudioOrchestrator.Contracts;
using AudioOrchestrator.Grains.Guardrails;
using AudioOrchestrator.Grains.Routing;
using AudioOrchestrator.Grains.Tools;
using AudioOrchestrator.Speech;
using Microsoft.Extensions.Logging;

namespace AudioOrchestrator.Grains.Conversations;

/// <summary>What a turn is about: the utterance, the session it belongs to and what the session remembers.</summary>
/// <param name="Utterance">What was said.</param>
/// <param name="SessionId">The session.</param>
/// <param name="GuildId">The session's Discord guild, when it has one.</param>
/// <param name="History">The session's recorded turns, oldest first.</param>
/// <param name="Context">The session's context.</param>
/// <param name="Spoken">Where the audible sentences are recorded (shared with the session's barge-in state).</param>
/// <param name="Preemptive">Answered before the end of the utterance was certain (see <see cref="AgentRequest.Preemptive"/>).</param>
public sealed record TurnRequest(
    Utterance Utterance,
    string SessionId,
    string? GuildId,
    IReadOnlyList<ConversationTurn> History,
    IReadOnlyDictionary<string, string> Context,
    SpokenAnswer Spoken,
    bool Preemptive = false);

/// <summary>How a turn ended.</summary>
/// <param name="Turn">The turn to record; null when it could not be answered at all (<paramref name="FailureReason"/> says why).</param>
/// <param name="Actions">Actions the agent asked for (none when the answer was interrupted).</param>
/// <param name="FailureReason">Why nothing could be answered (a <see cref="TurnFailed"/> is due).</param>
/// <param name="Failed">
/// A turn that failed on an error (not one cancelled): what was heard and why it failed, for the archive only (it is
/// not recorded in the session's history, which agents see).
/// </param>
public sealed record TurnOutcome(ConversationTurn? Turn, IReadOnlyList<AgentAction> Actions, string? FailureReason, ConversationTurn? Failed = null);

/// <summary>
/// One turn, from transcript to spoken answer: routes it (phrase, else intent classification, else the fallback agent;
/// with a language model classifying, the fallback agent starts answering meanwhile and is kept when the classifier
/// agrees), streams the agent's answer, publishes its text as <see cref="AnswerDelta"/>s, cuts it into sentences
/// (<see cref="SentenceAssembler"/>) and has each sentence spoken as soon as it is complete, so the first sentence is
/// heard while the model still writes. A failing agent gets a short spoken apology and the turn records why; an empty
/// answer likewise. <see cref="StopGeneration"/> ends the agent's writing (its request is aborted) and keeps the
/// complete sentences; <see cref="Cancel"/> (interruption, deleted session) stops everything.
/// </summary>
/// <remarks>Runs on the session grain's scheduler: no <c>ConfigureAwait(false)</c>, no thread pool hops.</remarks>
public sealed partial class TurnPipeline : IDisposable
{
    /// <summary>Said when the agent fails before saying anything.</summary>
    public const string Apology = "Sorry, I can't answer that right now.";

    /// <summary>Said when the agent fails after it started answering.</summary>
    public const string ApologyMidAnswer = "Sorry, I lost my train of thought.";

    /// <summary>Said when the agent answers nothing.</summary>
    public const string NoAnswer = "Sorry, I have no answer to that.";

    private readonly TurnServices _services;
    private readonly ITurnSink _sink;
    private TurnRequest _request;
    private readonly CancellationTokenSource _generation = new();
    private readonly CancellationTokenSource _turn = new();
    private readonly List<AgentAction> _actions = [];
    private readonly List<ToolCallRecord> _toolCalls = [];
    private readonly HashSet<string> _runningTools = new(StringComparer.Ordinal);
    private AgentStreamPump? _answering;
    private bool _fillerSpoken;
    private int _sentencesPending;
    private bool _routing;
    private RouteDecision? _decision;

    public TurnPipeline(TurnServices services, ITurnSink sink, TurnRequest request)
    {
        _services = services ?? throw new ArgumentNullException(nameof(services));
        _sink = sink ?? throw new ArgumentNullException(nameof(sink));
        _request = request ?? throw new ArgumentNullException(nameof(request));
    }

    public string TurnId => _request.Utterance.UtteranceId;

    /// <summary>
    /// A preemptive turn is committed with the utterance as finally heard (same audio and transcript, the real end of
    /// utterance): its timings are measured from there.
    /// </summary>
    public void Commit(Utterance heard)
    {
        ArgumentNullException.ThrowIfNull(heard);
        _request = _request with { Utterance = heard };
    }

    /// <summary>True while the turn is being routed or its agent is still writing.</summary>
    public bool IsGenerating => _answering is { } pump ? pump.EndedAt is null : _routing;

    /// <summary>
    /// Ends the agent's writing now (its request is aborted): what it had written is still read, its complete sentences
    /// are spoken, an unfinished last sentence is dropped.
    /// </summary>
    public void StopGeneration() => _generation.Cancel();

    /// <summary>Stops the turn: no more writing and no more speaking.</summary>
    public void Cancel()
    {
        _turn.Cancel();
        _generation.Cancel();
    }

    public void Dispose()
    {
        _generation.Dispose();
        _turn.Dispose();
    }

    public async Task<TurnOutcome> RunAsync()
    {
        var utterance = _request.Utterance;
        var options = _services.Options.Value;
        using var activity = TelemetryNames.ActivitySource.StartActivity("conversation.turn");
        activity?.SetTag("session.id", _request.SessionId);
        activity?.SetTag("turn.id", TurnId);
        activity?.SetTag("correlation.id", utterance.CorrelationId);
        using var scope = _services.Logger.BeginScope("Session {SessionId} turn {TurnId} correlation {CorrelationId}", _request.SessionId, TurnId, utterance.CorrelationId);

        // Fixed before anything else, so a prepared turn's commit decision (kept Conversation:AgentTimeout from its
        // first use, which comes after this) outlives every tool of the turn.
        var deadline = _services.Clock.GetUtcNow() + options.AgentTimeout;
        AgentStreamPump? pump = null;
        try
        {
            var guard = _services.Guardrails.For(_request.GuildId);
            var heard = utterance.TextForAgents ?? utterance.Transcript;
            if (heard.Length > guard.MaxInputCharacters)
            {
                heard = heard[..guard.MaxInputCharacters];
                LogInputCut(_services.Logger, _request.SessionId, guard.MaxInputCharacters);
            }

            var verdict = await _services.Moderation.CheckInputAsync(heard, _request.GuildId, _turn.Token);
            if (!verdict.Allowed)
            {
                return await RefuseAsync(guard, verdict.Reason ?? "blocked by moderation", activity);
            }

            var (phrase, text, _) = _services.Router.MatchPhrase(heard);
            var messages = ConversationMemory.Messages(
                _request.History, _request.Context.GetValueOrDefault(SessionContextKeys.SummarizedThrough), options.MaxHistoryMessages, utterance.Speaker.SpeakerId, text);
            AgentRequest Ask(IReadOnlyDictionary<string, string> slots) =>
                new(utterance.Speaker, text, slots, messages, _request.Context, TurnId, deadline, _request.GuildId, Preemptive: _request.Preemptive);

            RouteDecision decision;
            _routing = true;
            (decision, pump) = phrase is not null
                ? (phrase, Start(phrase.Agent, Ask(phrase.Slots)))
                : await ClassifyAsync(text, messages, Ask);
            _answering = pump;
            _routing = false;
            _decision = decision;
            activity?.SetTag("agent", decision.Agent.Name);
            activity?.SetTag("route", decision.Route.Reason);

            await _sink.PublishAsync(new AnswerStarted(TurnId, utterance.Speaker.SpeakerId, utterance.Transcript, decision.Agent.Name, decision.Route)
            {
                CorrelationId = utterance.CorrelationId,
            });
            return await AnswerAsync(decision, pump, guard, activity);
        }
        catch (OperationCanceledException) when (_turn.IsCancellationRequested)
        {
            return new TurnOutcome(null, [], "The turn was cancelled.");
        }
        catch (OperationCanceledException) when (_generation.IsCancellationRequested)
        {
            return new TurnOutcome(null, [], "The speaker went on talking before the answer began.");
        }
#pragma warning disable CA1031 // A turn must end in an outcome, whatever went wrong.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            activity?.SetStatus(ActivityStatusCode.Error, ex.Message);
            LogTurnFailed(_services.Logger, ex, _request.SessionId, TurnId);
            return new TurnOutcome(null, [], ex.Message, FailedTurn(ex.Message));
        }
        finally
        {
            _routing = false;
            if (pump is not null)
            {
                await pump.DisposeAsync();
            }
        }
    }

    /// <summary>The turn as the archive keeps a failure: what was heard, the agent if one was chosen, and why it failed.</summary>
    private ConversationTurn FailedTurn(string reason)
    {
        var utterance = _request.Utterance;
        return new ConversationTurn(
            TurnId, utterance.Speaker.SpeakerId, utterance.Transcript, _decision?.Agent.Name ?? NoAgent, "", utterance.Timings.SpeechStartedAt,
            _services.Clock.GetUtcNow(), Timings: new TurnTimings(utterance.Timings.SttMs, 0, 0, 0, utterance.Timings.AudioMs), Route: _decision?.Route,
            Error: reason, Source: utterance.Source);
    }

    /// <summary>The agent of a turn that failed before one was chosen.</summary>
    public const string NoAgent = "none";

    private AgentStreamPump Start(AgentDescriptor agent, AgentRequest request) =>
        new(agent.Name, _services.Agents.InvokeAsync(agent.Name, request, _generation.Token), _services.Clock, _generation.Token);

    /// <summary>
    /// Free speech: the classifier picks the agent. When it asks a model, the fallback agent starts answering at the same
    /// time (nothing of it is published yet) and is kept if the classifier agrees, so classification costs no latency.
    /// </summary>
    private async Task<(RouteDecision, AgentStreamPump)> ClassifyAsync(
        string text, IReadOnlyList<Microsoft.Extensions.AI.ChatMessage> messages, Func<IReadOnlyDictionary<string, string>, AgentRequest> ask)
    {
        var fallback = _services.Router.Fallback;
        var speculative = _services.Classifier.UsesModel && fallback is not null ? Start(fallback, ask(new Dictionary<string, string>())) : null;
        try
        {
            var intent = await _services.Classifier.ClassifyAsync(text, messages, _generation.Token);
            var agent = intent.Class?.Agent ?? fallback
                ?? throw new InvalidOperationException("No agent can answer: no phrase matched, no intent was recognised and no fallback agent exists.");
            var route = intent.Class is null ? new TurnRoute(TurnRoute.Fallback, intent.Detail) : new TurnRoute(TurnRoute.Classifier, intent.Detail);
            var slots = intent.Class is null ? new Dictionary<string, string>() : AgentRouter.SlotsFor(agent, text);
            var decision = new RouteDecision(agent, text, slots, false, route);
            if (speculative is not null && agent == fallback)
            {
                var kept = speculative;
                speculative = null;
                return (decision, kept);
            }

            return (decision, Start(agent, ask(slots)));
        }
        finally
        {
            if (speculative is not null)
            {
                await speculative.DisposeAsync(); // the classifier chose another agent: abort the speculative answer
            }
        }
    }

    /// <summary>The moderation blocked what was said: the refusal is spoken, no agent is asked.</summary>
    private async Task<TurnOutcome> RefuseAsync(GuardrailOptions guard, string reason, Activity? activity)
    {
        var utterance = _request.Utterance;
        var route = new TurnRoute(GuardrailRoute, reason);
        activity?.SetTag("route", route.Reason);
        await _sink.PublishAsync(new AnswerStarted(TurnId, utterance.Speaker.SpeakerId, utterance.Transcript, GuardrailRoute, route) { CorrelationId = utterance.CorrelationId });
        var sentences = Channel.CreateUnbounded<string>();
        var speaking = SpeakAsync(sentences.Reader);
        Write(sentences, guard.BlockedAnswer);
        sentences.Writer.TryComplete();
        var synthesis = await speaking;
        LogRefused(_services.Logger, _request.SessionId, reason);
        var started = _services.Clock.GetUtcNow();
        var timings = Timings(started, started, null, synthesis);
        return new TurnOutcome(
            new ConversationTurn(TurnId, utterance.Speaker.SpeakerId, utterance.Transcript, GuardrailRoute, guard.BlockedAnswer, utterance.Timings.SpeechStartedAt, _services.Clock.GetUtcNow(), false, timings, route, $"blocked by moderation: {reason}", Source: utterance.Source),
            [],
            null);
    }

    /// <summary>The name under which a turn refused by the guardrails is recorded (no agent answered it).</summary>
    public const string GuardrailRoute = "guardrail";

    private void Write(Channel<string> sentences, string sentence)
    {
        Interlocked.Increment(ref _sentencesPending);
        sentences.Writer.TryWrite(sentence);
    }

    /// <summary>After <see cref="ToolOptions.FillerAfter"/>, speaks the filler once per turn if the tool still runs and nothing is waiting to be said.</summary>
    private async Task SpeakFillerIfSlowAsync(string callId, Channel<string> sentences)
    {
        var tools = _services.Tools.Value;
        if (_fillerSpoken || string.IsNullOrWhiteSpace(tools.Filler) || !_request.Utterance.Speak)
        {
            return; // a text-only turn has nobody listening for a filler
        }

        try
        {
            await Task.Delay(tools.FillerAfter, _services.Clock, _generation.Token);
        }
        catch (OperationCanceledException)
        {
            return;
        }

        if (!_fillerSpoken && _runningTools.Contains(callId) && Volatile.Read(ref _sentencesPending) == 0)
        {
            _fillerSpoken = true;
            Write(sentences, tools.Filler);
        }
    }

    private async Task<TurnOutcome> AnswerAsync(RouteDecision decision, AgentStreamPump pump, GuardrailOptions guard, Activity? activity)
    {
        var utterance = _request.Utterance;
        var sentences = Channel.CreateUnbounded<string>(new UnboundedChannelOptions { SingleReader = true });
        var speaking = SpeakAsync(sentences.Reader);
        var assembler = new SentenceAssembler();
        var answer = new StringBuilder();
        string? error = null;
        string? blocked = null;
        var stopped = false;
        try
        {
            // Reads what the agent wrote even after a stop: the stop cancels the agent, and its buffer then ends.
            await foreach (var update in pump.Updates.ReadAllAsync(_turn.Token))
            {
                if (update.Action is { } action)
                {
                    _actions.Add(action);
                }

                if (update.ToolCall is { } call)
                {
                    OnToolCall(call, sentences);
                }

                if (update.Text is not { Length: > 0 } piece)
                {
                    continue;
                }

                var room = guard.MaxAnswerCharacters - answer.Length;
                var truncated = piece.Length > room;
                if (truncated)
                {
                    piece = piece[..room];
                }

                answer.Append(piece);
                await _sink.PublishAsync(new AnswerDelta(TurnId, piece) { CorrelationId = utterance.CorrelationId });
                foreach (var sentence in assembler.Append(piece))
                {
                    var verdict = await _services.Moderation.CheckOutputAsync(sentence, _request.GuildId, _turn.Token);
                    if (!verdict.Allowed)
                    {
                        blocked = verdict.Reason ?? "blocked by moderation";
                        break;
                    }

                    Write(sentences, sentence);
                }

                if (blocked is not null)
                {
                    // The sentence is not said; nothing more of the answer is.
                    stopped = true;
                    break;
                }

                if (truncated)
                {
                    // Like a stop: the complete sentences are said, the one cut in half is not.
                    LogAnswerCut(_services.Logger, _request.SessionId, decision.Agent.Name, guard.MaxAnswerCharacters);
                    stopped = true;
                    break;
                }
            }
        }
        catch (OperationCanceledException) when (_generation.IsCancellationRequested)
        {
            stopped = true; // stopped by a barge-in (or the turn was cancelled)
        }
#pragma warning disable CA1031 // Any agent failure ends in an apology and a recorded reason.
        catch (Exception thrown)
#pragma warning restore CA1031
        {
            var ex = thrown is ChannelClosedException { InnerException: { } inner } ? inner : thrown;
            error = ex is TimeoutException or LanguageModelException or Agents.AgentInvocationException
                ? ex.Message
                : $"Agent '{decision.Agent.Name}' failed: {ex.Message}";
            LogAgentFailed(_services.Logger, ex, _request.SessionId, decision.Agent.Name);
        }
        finally
        {
            await pump.DisposeAsync();
        }

        if (!stopped)
        {
            foreach (var sentence in assembler.Complete())
            {
                var verdict = await _services.Moderation.CheckOutputAsync(sentence, _request.GuildId, _turn.Token);
                if (!verdict.Allowed)
                {
                    blocked = verdict.Reason ?? "blocked by moderation";
                    stopped = true;
                    break;
                }

                Write(sentences, sentence);
            }
        }

        var spokenApology = blocked is not null ? guard.BlockedAnswer : error is not null ? (answer.Length == 0 ? Apology : ApologyMidAnswer) : null;
        if (blocked is not null)
        {
            error = $"blocked by moderation: {blocked}";
            LogRefused(_services.Logger, _request.SessionId, blocked);
        }
        else if (error is null && !stopped && !SpeakableText.HasWords(answer.ToString()))
        {
            error = $"Agent '{decision.Agent.Name}' answered with no text.";
            spokenApology = NoAnswer;
        }

        if (spokenApology is not null)
        {
            Write(sentences, spokenApology);
        }

        sentences.Writer.TryComplete();
        var synthesis = await speaking;
        var interrupted = _request.Spoken.InterruptedText is not null;
        if (_turn.IsCancellationRequested && !interrupted)
        {
            return new TurnOutcome(null, [], "The turn was cancelled.");
        }

        var responseText = interrupted
            ? _request.Spoken.InterruptedText!
            : stopped ? WithoutFiller(_request.Spoken.Text) : spokenApology is null ? answer.ToString() : (answer.Length > 0 ? answer + " " : "") + spokenApology;
        var timings = Timings(pump.StartedAt, pump.EndedAt, pump.FirstTextAt, synthesis);
        RecordMetrics(decision.Agent.Name, timings, synthesis, error);
        var redact = _services.Privacy.Value.RedactLogs;
        LogTurn(
            _services.Logger, _request.SessionId, decision.Agent.Name, decision.Route.Reason,
            redact ? PiiRedactor.Redact(utterance.Transcript) : utterance.Transcript, redact ? PiiRedactor.Redact(responseText) : responseText,
            timings.SttMs, timings.AgentMs,
            timings.AgentFirstTextMs ?? double.NaN, timings.EndOfUtteranceDelayMs ?? double.NaN, timings.WakeDetectMs ?? double.NaN,
            utterance.Timings.SpeechStartedAt, utterance.Timings.SpeechEndedAt);
        if (error is not null)
        {
            activity?.SetStatus(ActivityStatusCode.Error, error);
        }

        var turn = new ConversationTurn(
            TurnId, utterance.Speaker.SpeakerId, utterance.Transcript, decision.Agent.Name, responseText,
            utterance.Timings.SpeechStartedAt, _services.Clock.GetUtcNow(), interrupted, timings, decision.Route, error,
            _toolCalls.Count == 0 ? null : [.. _toolCalls], utterance.Source);
        return new TurnOutcome(turn, interrupted ? [] : _actions, null);
    }

    /// <summary>A tool call started (arm the filler) or ended (record it).</summary>
    private void OnToolCall(ToolCallRecord call, Channel<string> sentences)
    {
        if (!call.Completed)
        {
            _runningTools.Add(call.CallId);
            _ = SpeakFillerIfSlowAsync(call.CallId, sentences);
            return;
        }

        _runningTools.Remove(call.CallId);
        _toolCalls.Add(call);
        LogToolCall(_services.Logger, _request.SessionId, call.Name, call.DurationMs, call.ResultCharacters, call.Error ?? "-");
    }

    private string WithoutFiller(string spoken) =>
        _fillerSpoken && _services.Tools.Value.Filler is { Length: > 0 } filler
            ? spoken.Replace(filler, "", StringComparison.Ordinal).Replace("  ", " ", StringComparison.Ordinal).Trim()
            : spoken;

    /// <summary>Speaks the sentences in order as they come, each continuing the frame numbering of the one before.</summary>
    private async Task<SynthesisTotals> SpeakAsync(ChannelReader<string> sentences)
    {
        var totals = new SynthesisTotals();
        await foreach (var sentence in sentences.ReadAllAsync())
        {
            if (_turn.IsCancellationRequested)
            {
                continue; // drain: nothing more is said
            }

            if (!_request.Utterance.Speak)
            {
                Interlocked.Decrement(ref _sentencesPending); // a text turn that asked for text only: nothing is synthesised
                continue;
            }

            var started = _services.Clock.GetUtcNow();
            SynthesisResult result;
            try
            {
                result = await _sink.SpeakAsync(new SpeechRequest(_request.SessionId, TurnId, sentence, _request.Utterance.CorrelationId, totals.Frames, _request.GuildId));
            }
            catch (OperationCanceledException) when (_turn.IsCancellationRequested)
            {
                continue;
            }

            Interlocked.Decrement(ref _sentencesPending);
            var firstAudioAt = started + TimeSpan.FromMilliseconds(result.FirstAudioMs);
            totals.FirstSentenceFirstAudioMs ??= result.FirstAudioMs;
            totals.FirstAudioAt ??= firstAudioAt;
            totals.Frames += result.FrameCount;
            totals.TotalMs += result.TotalMs;
            _request.Spoken.Add(sentence, result.FrameCount, firstAudioAt);
        }

        return totals;
    }

    private TurnTimings Timings(DateTimeOffset agentStartedAt, DateTimeOffset? agentEndedAt, DateTimeOffset? firstTextAt, SynthesisTotals synthesis)
    {
        var heard = _request.Utterance.Timings;
        var agentMs = ((agentEndedAt ?? _services.Clock.GetUtcNow()) - agentStartedAt).TotalMilliseconds;
        return new TurnTimings(
            heard.SttMs,
            agentMs,
            synthesis.TotalMs,
            synthesis.FirstAudioAt is { } first ? (first - heard.EndOfUtteranceAt).TotalMilliseconds : 0,
            heard.AudioMs,
            heard.EndOfUtteranceDelayMs,
            heard.WakeDetectedAt is { } wake ? (wake - heard.SpeechStartedAt).TotalMilliseconds : null,
            heard.SpeechStartedAt,
            heard.SpeechEndedAt,
            heard.EndOfUtteranceAt,
            heard.WakeDetectedAt,
            firstTextAt is { } text ? (text - agentStartedAt).TotalMilliseconds : null,
            synthesis.FirstSentenceFirstAudioMs);
    }

    private void RecordMetrics(string agent, TurnTimings timings, SynthesisTotals synthesis, string? error)
    {
        var tag = new KeyValuePair<string, object?>("agent", agent);
        var agentName = new KeyValuePair<string, object?>(OperatorMetrics.AgentNameTag, agent);
        var plan = _services.Metrics.Operator;
        _services.Metrics.AgentDuration.Record(timings.AgentMs, tag);
        plan.AgentInvocations.Add(1, agentName);
        plan.AgentExecutionLatency.Record(OperatorMetrics.Seconds(timings.AgentMs), agentName);
        if (timings.AgentFirstTextMs is { } firstText)
        {
            _services.Metrics.AgentFirstText.Record(firstText, tag);
        }

        if (synthesis.FirstSentenceFirstAudioMs is { } firstAudio)
        {
            _services.Metrics.TtsFirstAudio.Record(firstAudio);
            _services.Metrics.EndOfUtteranceToFirstAudio.Record(timings.EndOfUtteranceToFirstAudioMs);
            plan.TtsSynthesisLatency.Record(OperatorMetrics.Seconds(firstAudio));
            plan.EndToEndResponseLatency.Record(OperatorMetrics.Seconds(timings.EndOfUtteranceToFirstAudioMs));
        }

        _services.Metrics.Turns.Add(1, tag);
        if (error is not null)
        {
            _services.Metrics.FailedTurns.Add(1, tag);
        }
    }

    private sealed class SynthesisTotals
    {
        public long Frames { get; set; }

        public double TotalMs { get; set; }

        public double? FirstSentenceFirstAudioMs { get; set; }

        public DateTimeOffset? FirstAudioAt { get; set; }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Session {SessionId}: {Agent} ({Route}) answered \"{Transcript}\" with \"{Response}\" (stt {SttMs:F1} ms, agent {AgentMs:F1} ms, first text {FirstTextMs:F1} ms, end-of-utterance decision {EouDelayMs:F0} ms after speech, wake detected {WakeDetectMs:F0} ms after speech start; speech heard {SpeechStartedAt:O} to {SpeechEndedAt:O})")]
    private static partial void LogTurn(
        ILogger logger, string sessionId, string agent, string route, string transcript, string response, double sttMs, double agentMs,
        double firstTextMs, double eouDelayMs, double wakeDetectMs, DateTimeOffset speechStartedAt, DateTimeOffset speechEndedAt);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Session {SessionId}: agent {Agent} failed; the turn ends with an apology")]
    private static partial void LogAgentFailed(ILogger logger, Exception exception, string sessionId, string agent);

    [LoggerMessage(Level = LogLevel.Error, Message = "Session {SessionId}: turn {TurnId} failed")]
    private static partial void LogTurnFailed(ILogger logger, Exception exception, string sessionId, string turnId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Session {SessionId}: tool {Tool} took {DurationMs:F1} ms, {ResultCharacters} characters, error {Error}")]
    private static partial void LogToolCall(ILogger logger, string sessionId, string tool, double durationMs, int resultCharacters, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Session {SessionId}: the guardrails refused the turn ({Reason})")]
    private static partial void LogRefused(ILogger logger, string sessionId, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Session {SessionId}: the utterance was cut to {Max} characters (Guardrails:MaxInputCharacters)")]
    private static partial void LogInputCut(ILogger logger, string sessionId, int max);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Session {SessionId}: {Agent}'s answer was cut at {Max} characters (Guardrails:MaxAnswerCharacters)")]
    private static partial void LogAnswerCut(ILogger logger, string sessionId, string agent, int max);
}
