using AudioOrchestrator.Testing.OpenAi;

namespace AudioOrchestrator.Grains.Tests.LanguageModels;

/// <summary>
/// The pipeline cluster with a language model: the real OpenAI client of the silo talks to a local fake
/// OpenAI-compatible server over HTTP. Classification requests are answered "general" unless a test says otherwise.
/// </summary>
public sealed class LlmCluster : PipelineCluster
{
    public FakeOpenAiServer Server { get; private set; } = null!;

    /// <summary>Answers conversation requests (the classifier's are answered by <see cref="Classify"/>).</summary>
    public Func<FakeChatRequest, FakeChatReply> Converse { get; set; } = _ => FakeChatReply.Say("I am the model.");

    /// <summary>Answers classification requests.</summary>
    public Func<FakeChatRequest, FakeChatReply> Classify { get; set; } = _ => FakeChatReply.Say("general");

    public static bool IsClassification(FakeChatRequest request) => request.System.StartsWith("You sort requests", StringComparison.Ordinal);

    protected override IReadOnlyDictionary<string, string?> SiloSettings => new Dictionary<string, string?>
    {
        ["Llm:Provider"] = "OpenAI",
        ["Llm:Endpoint"] = Server.BaseUrl.ToString(),
        ["Llm:Model"] = "fake-model",
        ["Llm:FirstTokenTimeout"] = "00:00:02",
        ["Llm:ChunkTimeout"] = "00:00:05",
        ["Llm:MaxRetries"] = "1",
        ["Llm:MaxRetryDelay"] = "00:00:01",
        ["Conversation:AgentTimeout"] = "00:00:30",
        ["Conversation:MaxHistoryTurns"] = "50",
        ["BargeIn:MinSpeechMs"] = "400",
        ["BargeIn:ResumeAfterSilenceMs"] = "300",
    };

    protected override async Task PrepareAsync() =>
        Server = await FakeOpenAiServer.StartAsync(r => IsClassification(r) ? Classify(r) : Converse(r));

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        if (Server is not null)
        {
            await Server.DisposeAsync();
        }
    }
}
