using AudioOrchestrator.Contracts;
using AudioOrchestrator.Grains.Agents;
using AudioOrchestrator.Grains.Conversations;
using AudioOrchestrator.Speech;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Options;

namespace AudioOrchestrator.Grains.Tests.Agents;

public sealed class SummarizationTests
{
    private static AgentRequest Request(int turns, IReadOnlyList<ChatMessage> messages, string? summary = null)
    {
        var context = new Dictionary<string, string> { [SessionContextKeys.TurnCount] = turns.ToString(System.Globalization.CultureInfo.InvariantCulture) };
        if (summary is not null)
        {
            context[SessionContextKeys.Summary] = summary;
        }

        return new AgentRequest(new SpeakerRef("s", "alice"), "summarize our conversation", new Dictionary<string, string>(), messages, context, "t", DateTimeOffset.MaxValue);
    }

    private static IReadOnlyList<ChatMessage> Conversation(params (string Speaker, string Said, string Answer)[] turns) =>
        [.. turns.SelectMany(t => new[]
        {
            ConversationMemory.User(t.Speaker, t.Said),
            new ChatMessage(ChatRole.Assistant, t.Answer) { AuthorName = "conversation" },
        }), ConversationMemory.User("alice", "summarize our conversation")];

    private static async Task<string> AnswerAsync(SummarizationAgent agent, AgentRequest request)
    {
        var text = "";
        await foreach (var update in agent.RespondAsync(request, TestContext.Current.CancellationToken))
        {
            text += update.Text;
        }

        return text;
    }

    private static SummarizationAgent Agent(ILanguageModels? models = null, int minTurns = 5) =>
        new(models ?? new NoModels(), Options.Create(new SummaryOptions { MinTurns = minTurns }));

    [Fact]
    public async Task Below_the_minimum_it_says_there_is_not_enough_yet()
    {
        var answer = await AnswerAsync(Agent(), Request(2, Conversation()));

        Assert.Equal("There is not enough to summarise yet: we have had 2 turns, and I summarise from 5.", answer);
    }

    [Fact]
    public async Task Without_a_model_it_picks_the_most_informative_things_said()
    {
        var conversation = Conversation(
            ("alice", "hello", "Hi."),
            ("bob", "what is the capital of france", "Paris."),
            ("alice", "what time is it", "It is noon."),
            ("bob", "how tall is the eiffel tower in paris", "330 metres."),
            ("alice", "hello", "Hi again."),
            ("alice", "which river flows through paris", "The Seine."));

        var answer = await AnswerAsync(Agent(), Request(6, conversation));

        Assert.Equal(
            "We talked about this: bob said \"what is the capital of france\"; bob said \"how tall is the eiffel tower in paris\"; alice said \"which river flows through paris\".",
            answer);
    }

    [Fact]
    public async Task With_a_model_the_conversation_is_handed_over_as_a_document_not_as_chat_turns()
    {
        var chat = new RecordingChatClient("Bob asked about France; the capital is Paris.");
        var answer = await AnswerAsync(Agent(new OneModel(chat)), Request(5, Conversation(("bob", "what is the capital of france", "Paris.")), summary: "Alice said hello."));

        Assert.Equal("Bob asked about France; the capital is Paris.", answer);
        var messages = Assert.Single(chat.Requests);
        Assert.Equal([ChatRole.System, ChatRole.User], messages.Select(m => m.Role));
        Assert.Contains("Do not answer any question", messages[0].Text, StringComparison.Ordinal);
        Assert.Contains("Summary of the earlier part: Alice said hello.", messages[1].Text, StringComparison.Ordinal);
        Assert.Contains("bob: what is the capital of france\nassistant: Paris.", messages[1].Text.ReplaceLineEndings("\n"), StringComparison.Ordinal);
        Assert.DoesNotContain("summarize our conversation", messages[1].Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_running_summary_is_capped_keeping_its_latest_sentences()
    {
        var summary = new RunningSummary(new NoModels(), Options.Create(new SummaryOptions { MaxRunningSummaryCharacters = 120 }));
        var earlier = string.Join(' ', Enumerable.Range(1, 20).Select(i => $"Sentence number {i} is here."));

        var folded = await summary.FoldAsync(earlier, [new Exchange("bob", "where is the louvre museum", "In Paris.")], TestContext.Current.CancellationToken);

        Assert.True(folded.Length <= 120, folded);
        Assert.EndsWith("bob said \"where is the louvre museum\".", folded, StringComparison.Ordinal);
    }
}

/// <summary>No language model configured.</summary>
internal sealed class NoModels : ILanguageModels
{
    public bool IsConfigured => false;

    public IChatClient? GetChatClient(string agent) => null;

    public LanguageModelDescription? Describe(string agent) => null;

    public string SystemPrompt(string? guildId) => guildId is null ? "default prompt" : $"prompt of guild {guildId}";

    public ChatOptions CreateOptions() => new();
}

/// <summary>One model behind every agent.</summary>
internal sealed class OneModel(IChatClient chat) : ILanguageModels
{
    public bool IsConfigured => true;

    public IChatClient? GetChatClient(string agent) => chat;

    public LanguageModelDescription? Describe(string agent) => new("OpenAI", "fake", "http://127.0.0.1");

    public string SystemPrompt(string? guildId) => guildId is null ? "default prompt" : $"prompt of guild {guildId}";

    public ChatOptions CreateOptions() => new();
}

/// <summary>Answers every request with the same text (word by word) and records the messages.</summary>
internal sealed class RecordingChatClient(params string[] answers) : IChatClient
{
    private int _calls;

    public List<IReadOnlyList<ChatMessage>> Requests { get; } = [];

    public Func<int, Exception?> FailOnCall { get; set; } = _ => null;

    public async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
        await GetStreamingResponseAsync(messages, options, cancellationToken).ToChatResponseAsync(cancellationToken);

    public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(
        IEnumerable<ChatMessage> messages, ChatOptions? options = null, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var call = _calls++;
        lock (Requests)
        {
            Requests.Add([.. messages]);
        }

        await Task.Yield();
        if (FailOnCall(call) is { } failure)
        {
            throw failure;
        }

        var words = answers[Math.Min(call, answers.Length - 1)].Split(' ');
        for (var i = 0; i < words.Length; i++)
        {
            yield return new ChatResponseUpdate(ChatRole.Assistant, i == 0 ? words[i] : " " + words[i]);
        }
    }

    public object? GetService(Type serviceType, object? serviceKey = null) => null;

    public void Dispose()
    {
    }
}
