using System.ClientModel;
using System.ClientModel.Primitives;
using AudioOrchestrator.Contracts;
using AudioOrchestrator.Grains.Agents;
using AudioOrchestrator.Grains.Conversations;
using AudioOrchestrator.Grains.Tests.Conversations;
using AudioOrchestrator.Speech;
using Microsoft.Extensions.AI;

namespace AudioOrchestrator.Grains.Tests.Agents;

public sealed class ConversationAgentTests
{
    private static AgentRequest Request(IReadOnlyList<ChatMessage> messages, string? guild = null, string? summary = null) =>
        new(new SpeakerRef("s", "alice"), messages[^1].Text, new Dictionary<string, string>(), messages,
            summary is null ? new Dictionary<string, string>() : new Dictionary<string, string> { [SessionContextKeys.Summary] = summary },
            "t", DateTimeOffset.MaxValue, guild);

    private static async Task<string> AnswerAsync(ConversationAgent agent, AgentRequest request)
    {
        var text = "";
        await foreach (var update in agent.RespondAsync(request, TestContext.Current.CancellationToken))
        {
            text += update.Text;
        }

        return text.Trim();
    }

    [Fact]
    public async Task Without_a_model_it_says_honestly_what_it_can_do()
    {
        var answer = await AnswerAsync(new ConversationAgent(new NoModels(), TurnTestServices.Catalog, NoTools.Instance, TimeProvider.System), Request([ConversationMemory.User("alice", "tell me a story")]));

        Assert.StartsWith("I can't hold a free conversation: no language model is configured. You can say:", answer, StringComparison.Ordinal);
        Assert.Contains("echo something", answer, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_guild_prompt_the_summary_and_the_speakers_go_to_the_model()
    {
        var chat = new RecordingChatClient("Paris.");
        var messages = new[]
        {
            ConversationMemory.User("alice", "hello"),
            new ChatMessage(ChatRole.Assistant, "Hi.") { AuthorName = "conversation" },
            ConversationMemory.User("bob", "what is the capital of france"),
        };

        var answer = await AnswerAsync(new ConversationAgent(new OneModel(chat), TurnTestServices.Catalog, NoTools.Instance, TimeProvider.System), Request(messages, guild: "42", summary: "They said hi."));

        Assert.Equal("Paris.", answer);
        var sent = Assert.Single(chat.Requests);
        Assert.Equal("prompt of guild 42\n\nWhat was said earlier in this conversation, summarised: They said hi.", sent[0].Text);
        Assert.Equal(["alice: hello", "Hi.", "bob: what is the capital of france"], sent.Skip(1).Select(m => m.Text)); // several speakers: names in the text
        Assert.Equal("bob", sent[^1].AuthorName);
    }

    [Fact]
    public async Task When_the_history_does_not_fit_the_context_it_asks_again_with_only_the_utterance()
    {
        var chat = new RecordingChatClient("Short answer.")
        {
            FailOnCall = call => call == 0
                ? new LanguageModelException("The language model rejected the request (400).", new ClientResultException("This model's maximum context length is 8192 tokens.", new FakeResponse(400)))
                : null,
        };
        var messages = Enumerable.Range(0, 30).Select(i => ConversationMemory.User("alice", $"long message {i}")).ToArray();

        var answer = await AnswerAsync(new ConversationAgent(new OneModel(chat), TurnTestServices.Catalog, NoTools.Instance, TimeProvider.System), Request(messages));

        Assert.Equal("Short answer.", answer);
        Assert.Equal([31, 2], chat.Requests.Select(r => r.Count));
    }

    [Fact]
    public async Task When_every_provider_is_down_it_answers_the_rule_based_way()
    {
        var chat = new RecordingChatClient("x") { FailOnCall = _ => new LanguageModelException("No language model is available.") { NoProviderAvailable = true } };

        var answer = await AnswerAsync(new ConversationAgent(new OneModel(chat), TurnTestServices.Catalog, NoTools.Instance, TimeProvider.System), Request([ConversationMemory.User("alice", "hi")]));

        Assert.StartsWith("I can't reach my language model right now. You can say:", answer, StringComparison.Ordinal);
    }

    /// <summary>A minimal HTTP response for a <see cref="ClientResultException"/>.</summary>
    private sealed class FakeResponse(int status) : PipelineResponse
    {
        public override int Status => status;

        public override string ReasonPhrase => "Bad Request";

        public override Stream? ContentStream { get; set; }

        public override BinaryData Content => BinaryData.FromString("");

        protected override PipelineResponseHeaders HeadersCore => throw new NotSupportedException();

        public override BinaryData BufferContent(CancellationToken cancellationToken = default) => Content;

        public override ValueTask<BinaryData> BufferContentAsync(CancellationToken cancellationToken = default) => ValueTask.FromResult(Content);

        public override void Dispose()
        {
        }
    }
}

/// <summary>A toolbox that offers nothing.</summary>
internal sealed class NoTools : AudioOrchestrator.Grains.Tools.IAgentToolbox
{
    public static readonly NoTools Instance = new();

    public AudioOrchestrator.Grains.Tools.ToolSet For(AgentRequest request) =>
        new([], new AudioOrchestrator.Grains.Tools.ToolContext(request, _ => Task.FromResult(true)));
}
