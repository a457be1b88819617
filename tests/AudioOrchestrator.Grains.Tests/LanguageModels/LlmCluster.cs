using AudioOrchestrator.Testing.OpenAi;

namespace AudioOrchestrator.Grains.Tests.LanguageModels;

/// <summary>
/// The pipeline cluster with a language model: the real OpenAI client of the silo talks to a local fake
/// OpenAI-compatible server over HTTP (and to a second one configured as its fallback). Classification requests are
/// answered "general" unless a test says otherwise. Two MCP servers give tools: <c>web</c> over streamable HTTP (in this
/// process) and <c>local</c> over stdio (the test server program).
/// </summary>
public sealed class LlmCluster : PipelineCluster
{
    /// <summary>A secret of the configuration, which must never reach a model.</summary>
    public const string DiscordToken = "discord-token-for-tests-0123456789";

    public FakeOpenAiServer Server { get; private set; } = null!;

    /// <summary>The fallback provider (<c>Llm:Fallbacks:0</c>): answers with <see cref="FallbackConverse"/>.</summary>
    public FakeOpenAiServer Fallback { get; private set; } = null!;

    /// <summary>How the fallback answers conversation requests (by default <see cref="FallbackAnswer"/>).</summary>
    public Func<FakeChatRequest, FakeChatReply> FallbackConverse { get; set; } = _ => FakeChatReply.Say(FallbackAnswer);

    public const string FallbackAnswer = "The fallback model answers.";

    /// <summary>
    /// A Discord guild whose session (<c>discord-{id}</c>) answers every utterance and ends one only after 3 s of silence:
    /// a test speaker there can wait for the service before going on without its pause ending the utterance.
    /// </summary>
    public const ulong PatientGuild = 424242;

    public McpHttpTestServer Mcp { get; private set; } = null!;

    /// <summary>Answers conversation requests (the classifier's are answered by <see cref="Classify"/>).</summary>
    public Func<FakeChatRequest, FakeChatReply> Converse { get; set; } = _ => FakeChatReply.Say("I am the model.");

    /// <summary>Answers classification requests.</summary>
    public Func<FakeChatRequest, FakeChatReply> Classify { get; set; } = _ => FakeChatReply.Say("general");

    public static bool IsClassification(FakeChatRequest request) => request.System.StartsWith("You sort requests", StringComparison.Ordinal);

    protected override IReadOnlyDictionary<string, string?> SiloSettings => new Dictionary<string, string?>
    {
        [$"Speaker:Guilds:{PatientGuild}:Segmenter:EndOfUtteranceSilenceMs"] = "3000",
        [$"WakeWord:Guilds:{PatientGuild}:Mode"] = "AlwaysListening",
        ["Llm:Fallbacks:0:Provider"] = "OpenAI",
        ["Llm:Fallbacks:0:Endpoint"] = Fallback.BaseUrl.ToString(),
        ["Llm:Fallbacks:0:Model"] = "fallback-model",
        ["Llm:CircuitBreaker:FailureThreshold"] = "1000", // the tests here see failover, not the breaker (unit-tested)
        ["Mcp:Servers:web:Url"] = Mcp.Url.ToString(),
        ["Mcp:Servers:local:Command"] = "dotnet",
        ["Mcp:Servers:local:Arguments:0"] = Path.Combine(AppContext.BaseDirectory, "AudioOrchestrator.McpTestServer.dll"),
        // Long enough that no tool but the hanging one times out on a loaded machine; the stdio server is a separate
        // .NET process that a restart test leaves cold, so it gets more.
        ["Tools:CallTimeout"] = "00:00:05",
        ["Mcp:Servers:local:CallTimeout"] = "00:00:30",
        ["Tools:FillerAfter"] = "00:00:00.300",
        ["Privacy:RedactHistory"] = "true",
        ["Discord:Token"] = DiscordToken,
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

    protected override async Task PrepareAsync()
    {
        Server = await FakeOpenAiServer.StartAsync(r => IsClassification(r) ? Classify(r) : Converse(r));
        Fallback = await FakeOpenAiServer.StartAsync(r => IsClassification(r) ? FakeChatReply.Say("general") : FallbackConverse(r));
        Mcp = await McpHttpTestServer.StartAsync();
    }

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        if (Server is not null)
        {
            await Server.DisposeAsync();
            await Fallback.DisposeAsync();
            await Mcp.DisposeAsync();
        }
    }
}
