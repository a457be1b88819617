using AudioOrchestrator.Contracts;
using AudioOrchestrator.Grains.Agents;
using AudioOrchestrator.Grains.Conversations;
using AudioOrchestrator.Grains.Guardrails;
using AudioOrchestrator.Grains.Tools;
using AudioOrchestrator.Speech;
using AudioOrchestrator.Testing;

namespace AudioOrchestrator.Grains.Tests.Conversations;

/// <summary>The turn as a plain class: scripted agents, a recording sink.</summary>
public sealed class TurnPipelineTests
{
    private readonly ScriptedAgents _agents = new();
    private readonly RecordingSink _sink = new();

    private TurnPipeline Pipeline(
        string transcript, GuardrailOptions? guardrails = null, SpokenAnswer? spoken = null, Routing.IIntentClassifier? classifier = null, ToolOptions? tools = null, TimeProvider? clock = null) =>
        new(TurnTestServices.Create(_agents, classifier, guardrails: guardrails, tools: tools, clock: clock), _sink, TurnTestServices.Request(transcript, spoken));

    [Fact]
    public async Task The_first_sentence_is_spoken_while_the_agent_is_still_writing()
    {
        var gate = new TaskCompletionSource();
        _agents.Scripts["conversation"] = (_, ct) => ScriptedAgents.Gated(["Paris is", " the capital.", " It"], gate.Task, [" is big."], new TaskCompletionSource(), ct);
        using var pipeline = Pipeline("what is the capital of france");

        var running = pipeline.RunAsync();
        await TestWait.UntilAsync(() => _sink.Spoken.Count == 1, "the first sentence to be spoken");
        Assert.False(running.IsCompleted);
        Assert.Equal("Paris is the capital.", _sink.Spoken.Single().Text);
        Assert.Equal(["Paris is", " the capital.", " It"], _sink.Events.OfType<AnswerDelta>().Select(d => d.Text));

        gate.SetResult();
        var outcome = await running;

        Assert.Equal(["Paris is the capital.", "It is big."], _sink.Spoken.Select(s => s.Text));
        Assert.Equal([0L, 21L], _sink.Spoken.Select(s => s.FirstSequence)); // frame numbers run on across sentences
        Assert.Equal(("conversation", "Paris is the capital. It is big.", null), (outcome.Turn!.Agent, outcome.Turn.ResponseText, outcome.Turn.Error));
        Assert.Equal(TurnRoute.Fallback, outcome.Turn.Route!.Reason);
        var started = Assert.Single(_sink.Events.OfType<AnswerStarted>());
        Assert.Equal(("conversation", "what is the capital of france"), (started.Agent, started.Transcript));
        Assert.NotNull(outcome.Turn.Timings!.AgentFirstTextMs);
    }

    [Fact]
    public async Task A_phrase_routes_with_its_slots_and_the_request_carries_the_conversation()
    {
        _agents.Scripts["echo"] = (r, _) => AgentAnswers.Say(r.Slots["text"]);
        using var pipeline = Pipeline("hey orchestrator echo good morning");

        var outcome = await pipeline.RunAsync();

        Assert.Equal(("echo", "good morning"), (outcome.Turn!.Agent, outcome.Turn.ResponseText));
        Assert.Equal((TurnRoute.Phrase, "echo {text}"), (outcome.Turn.Route!.Reason, outcome.Turn.Route.Detail));
        var (_, request) = Assert.Single(_agents.Asked);
        var message = Assert.Single(request.Messages);
        Assert.Equal(("echo good morning", "alice"), (message.Text, message.AuthorName));
        Assert.True(request.Deadline > DateTimeOffset.UtcNow);
    }

    [Fact]
    public async Task A_failing_agent_gets_a_spoken_apology_and_the_reason_recorded()
    {
        _agents.Scripts["conversation"] = (_, _) => ScriptedAgents.Failing([], new LanguageModelException("The language model is rate limited (429) (3 attempts)."));
        using var pipeline = Pipeline("tell me a joke");

        var outcome = await pipeline.RunAsync();

        Assert.Equal(TurnPipeline.Apology, Assert.Single(_sink.Spoken).Text);
        Assert.Equal((TurnPipeline.Apology, "The language model is rate limited (429) (3 attempts)."), (outcome.Turn!.ResponseText, outcome.Turn.Error));
    }

    [Fact]
    public async Task A_turn_that_fails_on_an_error_is_kept_for_the_archive_with_what_was_heard_and_why()
    {
        _agents.Scripts["echo"] = (_, ct) => ScriptedAgents.Text(["hello world"], ct);
        _sink.PublishFailure = item => item is AnswerStarted ? new InvalidOperationException("audio-out is unavailable") : null;
        using var pipeline = Pipeline("echo hello world");

        var outcome = await pipeline.RunAsync();

        Assert.Null(outcome.Turn); // nothing for the session's history
        Assert.Equal("audio-out is unavailable", outcome.FailureReason);
        var failed = Assert.IsType<ConversationTurn>(outcome.Failed);
        Assert.Equal(
            (pipeline.TurnId, "alice", "echo hello world", "echo", "", "audio-out is unavailable", TurnRoute.Phrase),
            (failed.TurnId, failed.SpeakerId, failed.Transcript, failed.Agent, failed.ResponseText, failed.Error, failed.Route?.Reason));
    }

    [Fact]
    public async Task A_cancelled_turn_is_not_a_failure_to_archive()
    {
        _agents.Scripts["conversation"] = (_, ct) => ScriptedAgents.Text(["ha"], ct);
        using var pipeline = Pipeline("tell me a joke");
        pipeline.Cancel();

        var outcome = await pipeline.RunAsync();

        Assert.Null(outcome.Turn);
        Assert.Null(outcome.Failed);
    }

    [Fact]
    public async Task A_failure_mid_answer_keeps_what_was_said_and_apologises()
    {
        _agents.Scripts["conversation"] = (_, _) => ScriptedAgents.Failing(["One thing. Another"], new LanguageModelException("The language model stalled: no chunk for 10 s after it had started answering."));
        using var pipeline = Pipeline("tell me two things");

        var outcome = await pipeline.RunAsync();

        Assert.Equal(["One thing.", "Another", TurnPipeline.ApologyMidAnswer], _sink.Spoken.Select(s => s.Text));
        Assert.Equal("One thing. Another " + TurnPipeline.ApologyMidAnswer, outcome.Turn!.ResponseText);
        Assert.Contains("stalled", outcome.Turn.Error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("")]
    [InlineData("  ")]
    [InlineData("👍")]
    public async Task An_empty_answer_is_a_failed_turn_with_a_short_answer(string answer)
    {
        _agents.Scripts["conversation"] = (_, _) => AgentAnswers.Say(answer);
        using var pipeline = Pipeline("anything");

        var outcome = await pipeline.RunAsync();

        Assert.Equal(TurnPipeline.NoAnswer, Assert.Single(_sink.Spoken).Text);
        Assert.Equal("Agent 'conversation' answered with no text.", outcome.Turn!.Error);
    }

    [Fact]
    public async Task Endless_text_is_cut_at_the_answer_limit_and_the_agent_is_stopped()
    {
        var cancelled = new TaskCompletionSource();
        _agents.Scripts["conversation"] = (_, ct) => ScriptedAgents.Gated([.. Enumerable.Repeat("Blah blah. ", 100)], new TaskCompletionSource().Task, [], cancelled, ct);
        using var pipeline = Pipeline("tell me everything", new GuardrailOptions { MaxAnswerCharacters = 50 });

        var outcome = await pipeline.RunAsync();

        Assert.True(outcome.Turn is not null, outcome.FailureReason);
        Assert.Equal(string.Join(' ', Enumerable.Repeat("Blah blah.", 4)), outcome.Turn!.ResponseText); // 50 characters, the last sentence cut
        Assert.Null(outcome.Turn.Error);
        await TestWait.ForAsync(cancelled.Task.ContinueWith(_ => true, TaskScheduler.Default), "the agent to be cancelled");
        Assert.All(_sink.Spoken, s => Assert.Equal("Blah blah.", s.Text));
    }

    [Fact]
    public async Task A_transcript_of_ten_thousand_words_reaches_the_agent_cut_to_the_input_limit()
    {
        _agents.Scripts["conversation"] = (r, _) => AgentAnswers.Say($"{r.Text.Length / 100} hundred characters.");
        var transcript = string.Join(' ', Enumerable.Repeat("word", 10_000));
        using var pipeline = Pipeline(transcript, new GuardrailOptions { MaxInputCharacters = 4000 });

        var outcome = await pipeline.RunAsync();

        Assert.Equal("39 hundred characters.", outcome.Turn!.ResponseText); // 4000, less the word cut in half
        Assert.Equal(transcript, outcome.Turn.Transcript);
    }

    [Fact]
    public async Task Stopping_generation_aborts_the_agent_and_speaks_only_complete_sentences()
    {
        var gate = new TaskCompletionSource();
        var cancelled = new TaskCompletionSource();
        _agents.Scripts["conversation"] = (_, ct) => ScriptedAgents.Gated(["First sentence.", " Second half"], gate.Task, [" never."], cancelled, ct);
        var spoken = new SpokenAnswer();
        using var pipeline = Pipeline("go on", spoken: spoken);

        var running = pipeline.RunAsync();
        await TestWait.UntilAsync(() => _sink.Spoken.Count == 1, "the first sentence");
        Assert.True(pipeline.IsGenerating);
        pipeline.StopGeneration();
        var outcome = await running;

        Assert.True(cancelled.Task.IsCompleted, "the agent's token was cancelled");
        Assert.Equal(["First sentence."], _sink.Spoken.Select(s => s.Text));
        Assert.Equal(("First sentence.", false, null), (outcome.Turn!.ResponseText, outcome.Turn.Interrupted, outcome.Turn.Error));
    }

    [Fact]
    public async Task An_interruption_records_only_what_was_heard()
    {
        var gate = new TaskCompletionSource();
        _agents.Scripts["conversation"] = (_, ct) => ScriptedAgents.Gated(["One two three four. Five six. "], gate.Task, [" Seven."], new TaskCompletionSource(), ct);
        var spoken = new SpokenAnswer();
        using var pipeline = Pipeline("count", spoken: spoken);

        var running = pipeline.RunAsync();
        await TestWait.UntilAsync(() => _sink.Spoken.Count == 2, "two sentences");
        // 19 frames of "One two three four." then 10 of "Five six."; heard: the first sentence and half of the second.
        spoken.Interrupt(TimeSpan.FromMilliseconds(20 * 24));
        pipeline.Cancel();
        var outcome = await running;

        Assert.Equal(("One two three four. Five…", true), (outcome.Turn!.ResponseText, outcome.Turn.Interrupted));
        Assert.Empty(outcome.Actions);
    }

    [Fact]
    public async Task A_cancelled_turn_records_nothing()
    {
        _agents.Scripts["conversation"] = (_, ct) => ScriptedAgents.Gated([], new TaskCompletionSource().Task, [], new TaskCompletionSource(), ct);
        using var pipeline = Pipeline("hello");

        var running = pipeline.RunAsync();
        await TestWait.UntilAsync(() => _agents.Calls("conversation") == 1, "the agent to be asked");
        pipeline.Cancel();
        var outcome = await running;

        Assert.Null(outcome.Turn);
    }

    [Fact]
    public async Task Actions_come_with_the_outcome()
    {
        _agents.Scripts["leave"] = (_, _) => AgentAnswers.SayAndDo("Goodbye.", new AgentAction(AgentAction.LeaveVoiceChannel));
        using var pipeline = Pipeline("leave the channel");

        var outcome = await pipeline.RunAsync();

        Assert.Equal(AgentAction.LeaveVoiceChannel, Assert.Single(outcome.Actions).Kind);
    }

    [Fact]
    public async Task With_a_model_classifying_the_fallback_answer_starts_meanwhile_and_is_kept_when_it_agrees()
    {
        var classified = new TaskCompletionSource();
        var router = TurnTestServices.Router();
        var classifier = new ScriptedClassifier(TurnTestServices.Classes(router), usesModel: true) { Answer = "general", Gate = classified.Task };
        _agents.Scripts["conversation"] = (_, _) => AgentAnswers.Say("Paris.");
        using var pipeline = Pipeline("capital of france", classifier: classifier);

        var running = pipeline.RunAsync();
        await TestWait.UntilAsync(() => _agents.Calls("conversation") == 1, "the speculative answer to start before classification ends");
        Assert.Empty(_sink.Events); // nothing of it is published before the classifier agrees
        classified.SetResult();
        var outcome = await running;

        Assert.Equal(1, _agents.Calls("conversation"));
        Assert.Equal(("conversation", "Paris.", TurnRoute.Classifier, "scripted: general"), (outcome.Turn!.Agent, outcome.Turn.ResponseText, outcome.Turn.Route!.Reason, outcome.Turn.Route.Detail));
    }

    [Fact]
    public async Task When_the_classifier_picks_another_agent_the_speculative_answer_is_aborted()
    {
        var router = TurnTestServices.Router();
        var classifier = new ScriptedClassifier(TurnTestServices.Classes(router), usesModel: true) { Answer = "summarization" };
        var speculativeCancelled = new TaskCompletionSource();
        _agents.Scripts["conversation"] = (_, ct) => ScriptedAgents.Gated(["Some"], new TaskCompletionSource().Task, [], speculativeCancelled, ct);
        _agents.Scripts["summarization"] = (_, _) => AgentAnswers.Say("We talked about Paris.");
        using var pipeline = Pipeline("could you recap things", classifier: classifier);

        var outcome = await pipeline.RunAsync();

        Assert.Equal(("summarization", "We talked about Paris."), (outcome.Turn!.Agent, outcome.Turn.ResponseText));
        Assert.True(speculativeCancelled.Task.IsCompleted);
        Assert.DoesNotContain(_sink.Events.OfType<AnswerDelta>(), d => d.Text == "Some");
    }

    [Fact]
    public async Task Without_a_model_the_keyword_classifier_routes_free_speech()
    {
        _agents.Scripts["summarization"] = (_, _) => AgentAnswers.Say("A summary.");
        using var pipeline = Pipeline("could you summarise what we discussed");

        var outcome = await pipeline.RunAsync();

        Assert.Equal(("summarization", TurnRoute.Classifier), (outcome.Turn!.Agent, outcome.Turn.Route!.Reason));
        Assert.StartsWith("keywords:", outcome.Turn.Route.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_blocked_topic_is_refused_without_asking_any_agent()
    {
        using var pipeline = Pipeline("tell me about the election results", new GuardrailOptions { BlockedTopics = ["election"], BlockedAnswer = "Not here." });

        var outcome = await pipeline.RunAsync();

        Assert.Equal((TurnPipeline.GuardrailRoute, "Not here.", "blocked by moderation: blocked topic \"election\""), (outcome.Turn!.Agent, outcome.Turn.ResponseText, outcome.Turn.Error));
        Assert.Equal(TurnPipeline.GuardrailRoute, outcome.Turn.Route!.Reason);
        Assert.Empty(_agents.Asked);
        Assert.Equal(["Not here."], _sink.Spoken.Select(s => s.Text));
    }

    [Fact]
    public async Task A_sentence_on_a_blocked_topic_is_not_said_and_the_answer_ends_there()
    {
        var cancelled = new TaskCompletionSource();
        _agents.Scripts["conversation"] = (_, ct) => ScriptedAgents.Gated(["Fine weather today. ", "Now about the election. ", "More"], new TaskCompletionSource().Task, [], cancelled, ct);
        using var pipeline = Pipeline("what is new", new GuardrailOptions { BlockedTopics = ["election"], BlockedAnswer = "Not here." });

        var outcome = await pipeline.RunAsync();

        Assert.Equal(["Fine weather today.", "Not here."], _sink.Spoken.Select(s => s.Text));
        Assert.Equal("Fine weather today. Not here.", outcome.Turn!.ResponseText);
        Assert.StartsWith("blocked by moderation", outcome.Turn.Error, StringComparison.Ordinal);
        await TestWait.ForAsync(cancelled.Task.ContinueWith(_ => true, TaskScheduler.Default), "the agent to be stopped");
    }

    [Fact]
    public async Task A_slow_tool_call_gets_the_filler_once_and_the_calls_are_recorded()
    {
        var clock = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(DateTimeOffset.UtcNow);
        var toolDone = new TaskCompletionSource();
        var started = new ToolCallRecord("c1", "web_slow_lookup", "{}", clock.GetUtcNow(), Completed: false);
        _agents.Scripts["conversation"] = (_, ct) => ToolThenText(started, toolDone.Task, ct);
        using var pipeline = Pipeline("look it up", tools: new ToolOptions { FillerAfter = TimeSpan.FromMilliseconds(700), Filler = "One moment." }, clock: clock);

        var running = pipeline.RunAsync();
        await TestWait.UntilAsync(() => _agents.Calls("conversation") == 1, "the agent");
        clock.Advance(TimeSpan.FromMilliseconds(699));
        Assert.Empty(_sink.Spoken); // 700 ms have not passed on the turn's clock
        clock.Advance(TimeSpan.FromMilliseconds(1));
        await TestWait.UntilAsync(() => _sink.Spoken.Count == 1, "the filler");
        toolDone.SetResult();
        var outcome = await running;

        Assert.Equal(["One moment.", "Found it."], _sink.Spoken.Select(s => s.Text));
        Assert.Equal("Found it.", outcome.Turn!.ResponseText);
        var call = Assert.Single(outcome.Turn.ToolCalls!);
        Assert.Equal(("web_slow_lookup", true, 900.0), (call.Name, call.Completed, call.DurationMs));
    }

    private static async IAsyncEnumerable<AgentUpdate> ToolThenText(ToolCallRecord started, Task done, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        yield return new AgentUpdate(null, ToolCall: started);
        await done.WaitAsync(cancellationToken);
        yield return new AgentUpdate(null, ToolCall: started with { Completed = true, DurationMs = 900, ResultCharacters = 10 });
        yield return new AgentUpdate("Found it.");
    }
}
