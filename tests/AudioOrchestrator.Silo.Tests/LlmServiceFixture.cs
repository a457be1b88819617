using AudioOrchestrator.Testing.OpenAi;

namespace AudioOrchestrator.Silo.Tests;

/// <summary>The real service with a language model: <c>Llm:Provider=OpenAI</c> pointed at the local fake OpenAI-compatible server.</summary>
public sealed class LlmServiceFixture : ServiceFixture
{
    public FakeOpenAiServer Server { get; private set; } = null!;

    /// <summary>Answers conversation and summary requests (classification is answered "general").</summary>
    public Func<FakeChatRequest, FakeChatReply> Converse { get; set; } = _ => FakeChatReply.Say("I am the model.");

    public static bool IsClassification(FakeChatRequest request) => request.System.StartsWith("You sort requests", StringComparison.Ordinal);

    protected override async Task<IReadOnlyDictionary<string, string?>> SettingsAsync()
    {
        Server = await FakeOpenAiServer.StartAsync(r => IsClassification(r) ? FakeChatReply.Say("general") : Converse(r));
        return new Dictionary<string, string?>
        {
            ["Llm:Provider"] = "OpenAI",
            ["Llm:Endpoint"] = Server.BaseUrl.ToString(),
            ["Llm:Model"] = "fake-model",
            ["Llm:MaxRetries"] = "2",
            ["Llm:MaxRetryDelay"] = "00:00:01",
            ["Llm:FirstTokenTimeout"] = "00:00:02",
        };
    }

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        if (Server is not null)
        {
            await Server.DisposeAsync();
        }
    }
}

[CollectionDefinition(Name)]
public sealed class LlmServiceCollection : ICollectionFixture<LlmServiceFixture>
{
    public const string Name = "service with a language model";
}
