using AudioOrchestrator.Grains.Routing;
using AudioOrchestrator.Grains.Tests.Conversations;
using AudioOrchestrator.Speech;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace AudioOrchestrator.Grains.Tests.Agents;

public sealed class IntentClassifierTests
{
    private static readonly AgentRouter Router = TurnTestServices.Router();
    private static readonly IntentClasses Classes = TurnTestServices.Classes(Router);
    private static readonly KeywordIntentClassifier Keywords = new(Classes);

    [Theory]
    [InlineData("could you summarise what we discussed", "summarization")]
    [InlineData("give me a quick recap", "summarization")]
    [InlineData("tell me the clock please", "time")]
    [InlineData("repeat after me the rain in spain", "echo")]
    [InlineData("please disconnect from voice", "leave")]
    [InlineData("what is the capital of france", null)]
    [InlineData("", null)]
    public void Keywords_and_near_keywords_pick_the_class(string text, string? expected) =>
        Assert.Equal(expected, Keywords.Classify(text).Class?.Agent.Name);

    [Fact]
    public void Configured_classes_map_intents_to_agents_and_unknown_agents_stop_start_up()
    {
        var classes = new IntentClasses(TurnTestServices.Catalog, Router, Options.Create(new IntentOptions
        {
            Classes = new Dictionary<string, string> { ["echo"] = "echo", ["summarize"] = "summarization", ["general"] = "conversation" },
        }));
        Assert.Equal(["echo", "summarize", "general"], classes.All.Select(c => c.Name));
        Assert.Equal("summarization", classes.Find("summarize")!.Agent.Name);

        var error = Assert.Throws<InvalidOperationException>(() => new IntentClasses(TurnTestServices.Catalog, Router, Options.Create(new IntentOptions
        {
            Classes = new Dictionary<string, string> { ["weather"] = "forecast" },
        })));
        Assert.Contains("Intent:Classes:weather names agent 'forecast'", error.Message, StringComparison.Ordinal);
    }

    private static ModelIntentClassifier Model(IChatClient chat, TimeProvider? clock = null) =>
        new(chat, Classes, Keywords, Options.Create(new IntentOptions { Timeout = TimeSpan.FromSeconds(2) }), clock ?? TimeProvider.System, NullLogger<ModelIntentClassifier>.Instance);

    [Theory]
    [InlineData("summarization", "summarization")]
    [InlineData("Summarization.", "summarization")]
    [InlineData("The class is: time", "time")]
    [InlineData("general", "conversation")]
    public async Task The_models_answer_names_the_class(string reply, string agent)
    {
        var chat = new RecordingChatClient(reply);

        var result = await Model(chat).ClassifyAsync("anything at all", [], TestContext.Current.CancellationToken);

        Assert.Equal(agent, result.Class!.Agent.Name);
        Assert.StartsWith("model:", result.Detail, StringComparison.Ordinal);
        var prompt = chat.Requests.Single()[0].Text;
        Assert.Contains("- echo: Repeats what you say after \"echo\".", prompt, StringComparison.Ordinal);
        Assert.Contains("- general: anything else", prompt, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_reply_that_names_no_class_leaves_it_to_the_keywords()
    {
        var result = await Model(new RecordingChatClient("I am not sure about that one.")).ClassifyAsync("could you recap please", [], TestContext.Current.CancellationToken);

        Assert.Equal("summarization", result.Class!.Agent.Name);
        Assert.Contains("names no class", result.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_failing_model_leaves_it_to_the_keywords()
    {
        var chat = new RecordingChatClient("x") { FailOnCall = _ => new LanguageModelException("The language model failed with a server error (500).") };

        var result = await Model(chat).ClassifyAsync("what is the capital of france", [], TestContext.Current.CancellationToken);

        Assert.Null(result.Class);
        Assert.Contains("server error (500)", result.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_slow_model_is_abandoned_at_the_intent_timeout()
    {
        var clock = new FakeTimeProvider();
        var classifying = Model(new StallingChatClient(), clock).ClassifyAsync("what is the time", [], TestContext.Current.CancellationToken);
        clock.Advance(TimeSpan.FromSeconds(1.99));
        Assert.False(classifying.IsCompleted); // the timeout's timer has not come due on the turn's clock

        clock.Advance(TimeSpan.FromSeconds(0.01));
        var result = await classifying.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);

        Assert.Equal("time", result.Class!.Agent.Name);
        Assert.Contains("did not classify within 2 s", result.Detail, StringComparison.Ordinal);
    }

    private sealed class StallingChatClient : IChatClient
    {
        public async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
        {
            await Task.Delay(Timeout.Infinite, cancellationToken);
            throw new InvalidOperationException("unreachable");
        }

        public IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
            throw new NotSupportedException();

        public object? GetService(Type serviceType, object? serviceKey = null) => null;

        public void Dispose()
        {
        }
    }
}
