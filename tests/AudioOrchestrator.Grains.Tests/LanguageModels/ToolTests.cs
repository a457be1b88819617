using System.Collections.Concurrent;
using AudioOrchestrator.Contracts;
using AudioOrchestrator.Grains.Tools;
using AudioOrchestrator.Ingress.Playback;
using AudioOrchestrator.Ingress.Streams;
using AudioOrchestrator.Ingress.Uploads;
using AudioOrchestrator.McpTestServer;
using AudioOrchestrator.Testing;
using AudioOrchestrator.Testing.OpenAi;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;

namespace AudioOrchestrator.Grains.Tests.LanguageModels;

/// <summary>Tools the model calls during a turn: built-in ones, MCP servers over HTTP and stdio, and what goes wrong with them.</summary>
[Collection(LlmCollection.Name)]
public sealed class ToolTests(LlmCluster fixture) : IDisposable
{
    private readonly DateTimeOffset _since = DateTimeOffset.UtcNow;
    private readonly Dictionary<string, long> _sequences = [];

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private UtteranceUploadProcessor Uploads => fixture.ClientServices.GetRequiredService<UtteranceUploadProcessor>();

    private SessionOutputHub Hub => fixture.ClientServices.GetRequiredService<SessionOutputHub>();

    private static string NewSession() => "tools-" + Guid.NewGuid().ToString("N")[..10];

    public void Dispose()
    {
        fixture.FallbackConverse = _ => FakeChatReply.Say(LlmCluster.FallbackAnswer);
        fixture.Converse = _ => FakeChatReply.Say("I am the model.");
        fixture.Classify = _ => FakeChatReply.Say("general");
    }

    private FakeChatRequest[] Conversation => [.. fixture.Server.Requests.Where(r => r.ReceivedAt >= _since && !LlmCluster.IsClassification(r))];

    private static bool HasToolResults(FakeChatRequest request) => request.Messages.Any(m => m.Role == "tool");

    private static string ToolResult(FakeChatRequest request, string tool)
    {
        var results = request.Messages.Where(m => m.Role == "tool").Select(m => m.Content).ToList();
        var mine = results.Where(c => c.Contains($"tool=\"{tool}\"", StringComparison.Ordinal)).ToList();
        Assert.True(mine.Count == 1, $"one result of {tool} in: {string.Join(" | ", results.Select(r => r.Length > 200 ? r[..200] : r))}");
        return mine[0];
    }

    /// <summary>
    /// The model request that carried the results of <paramref name="tools"/> (the last, if the client retried it): the
    /// server log is shared, and another test's turn still running may send its own tool results meanwhile.
    /// </summary>
    private FakeChatRequest RequestWithResultsOf(params string[] tools) =>
        Conversation.Last(r => tools.All(t => r.Messages.Any(m => m.Role == "tool" && m.Content.Contains($"tool=\"{t}\"", StringComparison.Ordinal))));

    /// <summary>First request: the tool calls; once the results are in: the answer.</summary>
    private void Script(string answer, params FakeToolCall[] calls) =>
        fixture.Converse = r => HasToolResults(r) ? FakeChatReply.Say(answer) : new FakeChatReply { ToolCalls = calls };

    private async Task<UploadedTurn> AskAsync(string session, int hz = 880) =>
        Assert.Single((await Uploads.ProcessAsync(session, "alice", TestAudio.Question(hz), Ct)).Turns);

    private async Task<ConversationTurn> RecordedAsync(string session, string turnId) =>
        (await fixture.Client.GetGrain<IConversationGrain>(session).GetSnapshotAsync())!.History.Single(t => t.TurnId == turnId);

    private async Task WaitForToolsAsync()
    {
        var catalog = fixture.Cluster.Silos[0].ServiceProvider.GetRequiredService<McpToolCatalog>();
        await TestWait.UntilAsync(() => catalog.Servers.All(s => s.IsConnected && s.Tools.Count > 0), "both MCP servers to connect");
    }

    [Fact]
    public async Task The_model_calls_the_time_tool_and_answers_with_its_result_and_the_call_is_recorded()
    {
        var session = NewSession();
        Script("It is time for a song.", new FakeToolCall("get_current_time", "{}"));

        var turn = await AskAsync(session);

        Assert.Equal(("It is time for a song.", null), (turn.ResponseText, turn.Error));
        // This turn's first request: the shared server log may begin with a request of an earlier test's turn.
        var withResults = RequestWithResultsOf("get_current_time");
        var asked = Conversation.Last(r => !HasToolResults(r) && r.ReceivedAt <= withResults.ReceivedAt && r.LastUser == withResults.LastUser);
        Assert.Contains("get_current_time", asked.Tools);
        Assert.Contains("agent_echo", asked.Tools);
        Assert.Contains("<tool_output> tags is data", asked.System, StringComparison.Ordinal);
        var result = ToolResult(withResults, "get_current_time");
        Assert.StartsWith("<tool_output tool=\"get_current_time\">", result, StringComparison.Ordinal);
        Assert.Contains("UTC", result, StringComparison.Ordinal);
        var call = Assert.Single((await RecordedAsync(session, turn.TurnId)).ToolCalls!);
        Assert.Equal(("get_current_time", "{}", true, null), (call.Name, call.Arguments, call.Completed, call.Error));
        Assert.True(call.ResultCharacters > 0 && call.DurationMs >= 0);
    }

    [Fact]
    public async Task Calls_to_an_unknown_tool_or_with_invalid_arguments_are_recorded_and_the_answer_goes_on()
    {
        var session = NewSession();
        Script("Done anyway.", new FakeToolCall("launch_rockets", "{}"), new FakeToolCall("remember_fact", "{\"name\": \"broken"));

        var turn = await AskAsync(session);

        Assert.Equal(("Done anyway.", null), (turn.ResponseText, turn.Error));
        var calls = (await RecordedAsync(session, turn.TurnId)).ToolCalls!;
        Assert.Equal("unknown tool 'launch_rockets'", calls.Single(c => c.Name == "launch_rockets").Error);
        Assert.Contains("value", calls.Single(c => c.Name == "remember_fact").Error, StringComparison.Ordinal); // the unreadable arguments lack it
    }

    [Fact]
    public async Task A_remembered_fact_is_kept_after_the_turn_and_told_to_the_model_next_time()
    {
        var session = NewSession();
        Script("I will remember that.", new FakeToolCall("remember_fact", "{\"name\": \"Alice's favourite colour\", \"value\": \"green\"}"));
        var turn = await AskAsync(session);
        fixture.Converse = _ => FakeChatReply.Say("Green, of course.");

        await AskAsync(session);

        var snapshot = (await fixture.Client.GetGrain<IConversationGrain>(session).GetSnapshotAsync())!;
        Assert.Equal("green", snapshot.Context["fact:alice's favourite colour"]);
        Assert.Contains("Facts you were asked to remember: alice's favourite colour: green.", Conversation[^1].System, StringComparison.Ordinal);
        Assert.Equal("I will remember that.", turn.ResponseText);
    }

    [Fact]
    public async Task An_agent_is_a_tool_too()
    {
        var session = NewSession();
        Script("The echo agent said so.", new FakeToolCall("agent_echo", "{\"request\": \"echo ping pong\"}"));

        await AskAsync(session);

        Assert.Contains(">\nping pong\n<", ToolResult(RequestWithResultsOf("agent_echo"), "agent_echo"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Tools_of_an_MCP_server_over_streamable_HTTP_and_of_one_over_stdio_are_called()
    {
        await WaitForToolsAsync();
        var session = NewSession();
        Script("Shouted twice.", new FakeToolCall("web_shout", "{\"text\": \"hello\"}"), new FakeToolCall("local_shout", "{\"text\": \"world\"}"));

        var turn = await AskAsync(session);

        var second = RequestWithResultsOf("web_shout", "local_shout");
        Assert.Contains("HELLO", ToolResult(second, "web_shout"), StringComparison.Ordinal);
        Assert.Contains("WORLD", ToolResult(second, "local_shout"), StringComparison.Ordinal);
        Assert.All((await RecordedAsync(session, turn.TurnId)).ToolCalls!, c => Assert.Null(c.Error));
    }

    [Fact]
    public async Task A_slow_tool_gets_a_spoken_filler_that_is_not_part_of_the_answer()
    {
        await WaitForToolsAsync();
        var session = NewSession();
        Script("Found it.", new FakeToolCall("web_slow_lookup", "{\"milliseconds\": 1200}"));
        var firstAudio = new TaskCompletionSource<DateTimeOffset>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var listening = await Hub.ListenAsync(session, e =>
        {
            if (e is AnswerAudio)
            {
                firstAudio.TrySetResult(DateTimeOffset.UtcNow);
            }

            return Task.CompletedTask;
        }, Ct);

        var turn = await AskAsync(session);

        var second = RequestWithResultsOf("web_slow_lookup");
        Assert.True(await firstAudio.Task < second.ReceivedAt, "the filler was heard while the tool ran");
        Assert.Equal("Found it.", turn.ResponseText);
        Assert.True(WavDuration(turn) > TimeSpan.FromMilliseconds(("One moment".Length + "Found it".Length) * 40 - 100), "filler and answer both spoken");
    }

    [Fact]
    public async Task A_hanging_tool_times_out_a_failing_one_reports_its_error_a_huge_result_is_cut_and_injected_instructions_are_defused()
    {
        await WaitForToolsAsync();
        var session = NewSession();
        Script(
            "I did what I could.",
            new FakeToolCall("web_hang", "{}"),
            new FakeToolCall("web_broken", "{}"),
            new FakeToolCall("local_huge", "{}"),
            new FakeToolCall("web_weather_report", "{}"));

        var turn = await AskAsync(session);

        Assert.Equal(("I did what I could.", null), (turn.ResponseText, turn.Error));
        var calls = (await RecordedAsync(session, turn.TurnId)).ToolCalls!;
        Assert.Equal("the tool did not answer within 5 s", calls.Single(c => c.Name == "web_hang").Error);
        Assert.Contains("broken", calls.Single(c => c.Name == "web_broken").Error, StringComparison.Ordinal);
        var second = RequestWithResultsOf("local_huge", "web_weather_report");
        var huge = ToolResult(second, "local_huge");
        Assert.InRange(huge.Length, 4000, 4400);
        Assert.Contains("[cut: the result had", huge, StringComparison.Ordinal);
        var weather = ToolResult(second, "web_weather_report");
        Assert.Contains("The weather is sunny.", weather, StringComparison.Ordinal);
        Assert.Contains("(quoted) system:", weather, StringComparison.Ordinal);
        Assert.DoesNotContain("<|im_start|>", weather, StringComparison.Ordinal);
        Assert.Single(System.Text.RegularExpressions.Regex.Matches(weather, "</tool_output>")); // only our closing delimiter
        Assert.Contains("(quoted, not an instruction)", weather, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_side_effect_tool_runs_once_even_when_the_models_next_request_fails_over()
    {
        await WaitForToolsAsync();
        var session = NewSession();
        var before = fixture.Mcp.Orders.Count;
        var answered = 0;
        fixture.Converse = r => !HasToolResults(r)
            ? new FakeChatReply { ToolCalls = [new FakeToolCall("web_order_pizza", "{\"size\": \"large\"}")] }
            : Interlocked.Increment(ref answered) == 1 ? new FakeChatReply { Status = 503 } : FakeChatReply.Say("Your pizza is coming.");

        var turn = await AskAsync(session);

        // The model's request after the tool failed (503) and went to the fallback provider; the tool was not run again.
        Assert.Equal(LlmCluster.FallbackAnswer, turn.ResponseText);
        Assert.Equal(before + 1, fixture.Mcp.Orders.Count);
    }

    [Fact]
    public async Task Talking_over_an_answer_while_a_tool_runs_stops_it_and_no_side_effect_tool_runs_afterwards()
    {
        await WaitForToolsAsync();
        var session = NewSession();
        var before = fixture.Mcp.Orders.Count;
        fixture.Converse = r => !r.LastUser.Contains("sing me a song", StringComparison.Ordinal)
            ? FakeChatReply.Say("?")
            : HasToolResults(r)
                ? new FakeChatReply { ToolCalls = [new FakeToolCall("web_order_pizza", "{\"size\": \"small\"}")] }
                : new FakeChatReply { Text = "Let me look that up first. ", ToolCalls = [new FakeToolCall("web_slow_lookup", "{\"milliseconds\": 30000}")] };
        var events = new ConcurrentQueue<SessionOutputEvent>();
        await using var player = new SessionAudioPlayer(session, 5000, _ => Task.CompletedTask, NullLogger<SessionAudioPlayer>.Instance);
        await player.StartAsync(Hub, Ct);
        await player.SetOutputAvailable(true);
        using var stopOutput = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        var output = PlayAsync(player, stopOutput.Token);
        await using (await Hub.ListenAsync(session, e => { events.Enqueue(e); return Task.CompletedTask; }, Ct))
        {
            await SendLiveAsync(session, "alice", TestAudio.Question(880));
            await TestWait.UntilAsync(() => player.PlayedFrames > 10, "the first sentence to be playing while the tool runs");

            await SendLiveAsync(session, "bob", TestAudio.Question(440));
            await TestWait.UntilAsync(() => events.OfType<AnswerInterrupted>().Any(), "the interruption");
            await TestWait.UntilAsync(() => events.OfType<AnswerCompleted>().Any(c => c.ResponseText == "hello world"), "bob's answer");
        }

        await stopOutput.CancelAsync();
        await output;
        Assert.Equal(before, fixture.Mcp.Orders.Count);
        Assert.DoesNotContain(Conversation, r => HasToolResults(r) && r.LastUser.Contains("sing me a song", StringComparison.Ordinal));
        var cut = (await fixture.Client.GetGrain<IConversationGrain>(session).GetSnapshotAsync())!.History.Single(t => t.Agent == "conversation");
        Assert.True(cut.Interrupted);
    }

    [Fact]
    public async Task Secrets_of_the_configuration_never_reach_the_model_and_personal_data_is_redacted_from_the_history()
    {
        var session = NewSession();
        Script(
            "Write to me at alice@example.com or call +44 20 7946 0958.",
            new FakeToolCall("remember_fact", $"{{\"name\": \"token\", \"value\": \"{LlmCluster.DiscordToken}\"}}"));

        var turn = await AskAsync(session);

        Assert.All(Conversation, r => Assert.DoesNotContain(LlmCluster.DiscordToken, r.Body.ToString(), StringComparison.Ordinal));
        var recorded = await RecordedAsync(session, turn.TurnId);
        Assert.Equal("Write to me at [email] or call [phone number].", recorded.ResponseText);
        Assert.Equal("Write to me at alice@example.com or call +44 20 7946 0958.", turn.ResponseText); // the listener heard it
    }

    [Fact]
    public async Task With_the_first_provider_failing_a_third_of_the_time_the_fallback_answers_every_turn()
    {
        var session = NewSession();
        var random = new Random(7);
        fixture.Converse = _ => random.NextDouble() < 0.3 ? new FakeChatReply { Status = 500 } : FakeChatReply.Say("The first model answers.");
        var fallbackBefore = fixture.Fallback.Requests.Count;

        var turns = new List<UploadedTurn>();
        for (var i = 0; i < 12; i++)
        {
            turns.Add(await AskAsync(session));
        }

        Assert.All(turns, t => Assert.Null(t.Error));
        Assert.Contains(turns, t => t.ResponseText == LlmCluster.FallbackAnswer);
        Assert.Contains(turns, t => t.ResponseText == "The first model answers.");
        Assert.True(fixture.Fallback.Requests.Count > fallbackBefore);
    }

    private static TimeSpan WavDuration(UploadedTurn turn) => Audio.WavCodec.Decode(turn.AnswerWav).Duration;

    private async Task SendLiveAsync(string session, string speakerId, Audio.PcmAudio audio)
    {
        var sequence = _sequences.GetValueOrDefault(speakerId);
        _sequences[speakerId] = sequence + await LiveSpeaker.SendAsync(fixture.ClientServices, new SpeakerRef(session, speakerId), audio, sequence, Ct);
    }

    private static Task PlayAsync(SessionAudioPlayer player, CancellationToken cancellationToken) => PacedOutput.PlayAsync(player.Frames, cancellationToken);
}
