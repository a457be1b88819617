using System.Diagnostics.Metrics;
using AudioOrchestrator.Testing;
using AudioOrchestrator.Testing.OpenAi;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace AudioOrchestrator.Speech.Tests.LanguageModels;

/// <summary>The real OpenAI and Azure OpenAI clients, configured as a user would, against the local fake server over HTTP.</summary>
public sealed class LanguageModelsTests : IAsyncLifetime
{
    private static readonly IMeterFactory Meters = new ServiceCollection().AddMetrics().BuildServiceProvider().GetRequiredService<IMeterFactory>();

    private FakeOpenAiServer _server = null!;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync() => _server = await FakeOpenAiServer.StartAsync();

    public async ValueTask DisposeAsync() => await _server.DisposeAsync();

    private AudioOrchestrator.Speech.LanguageModels Models(Action<LlmOptions>? configure = null)
    {
        var options = new LlmOptions
        {
            Provider = LlmProvider.OpenAI,
            Endpoint = _server.BaseUrl.ToString(),
            Model = "fake-model",
            ApiKey = "sk-test",
            FirstTokenTimeout = TimeSpan.FromSeconds(5),
            ChunkTimeout = TimeSpan.FromSeconds(5),
            MaxRetryDelay = TimeSpan.FromSeconds(2),
        };
        configure?.Invoke(options);
        return new AudioOrchestrator.Speech.LanguageModels(Options.Create(options), TimeProvider.System, NullLoggerFactory.Instance, Meters);
    }

    private static async Task<List<string>> StreamAsync(IChatClient chat, string question = "What is the capital of France?")
    {
        var chunks = new List<string>();
        await foreach (var update in chat.GetStreamingResponseAsync([new ChatMessage(ChatRole.User, question)], cancellationToken: Ct))
        {
            if (update.Text.Length > 0)
            {
                chunks.Add(update.Text);
            }
        }

        return chunks;
    }

    [Fact]
    public async Task An_OpenAI_compatible_server_streams_the_answer_chunk_by_chunk()
    {
        _server.Respond = _ => FakeChatReply.Say("Paris. It is the capital.");
        using var models = Models();

        var chunks = await StreamAsync(models.GetChatClient("conversation")!);

        Assert.Equal(["Paris.", " It", " is", " the", " capital."], chunks);
        var request = Assert.Single(_server.Requests);
        Assert.Equal(("/v1/chat/completions", "fake-model", true, "Bearer sk-test"), (request.Path, request.Model, request.Stream, request.Authorization));
        Assert.Equal("What is the capital of France?", request.LastUser);
    }

    [Fact]
    public async Task Azure_OpenAI_is_asked_by_deployment_with_its_api_key()
    {
        _server.Respond = _ => FakeChatReply.Say("Hello from Azure.");
        using var models = Models(o =>
        {
            o.Provider = LlmProvider.AzureOpenAI;
            o.Endpoint = _server.AzureEndpoint.ToString();
            o.Model = "my-deployment";
            o.ApiKey = "azure-key";
        });

        var chunks = await StreamAsync(models.GetChatClient("conversation")!);

        Assert.Equal("Hello from Azure.", string.Concat(chunks));
        var request = Assert.Single(_server.Requests);
        Assert.Equal(("/openai/deployments/my-deployment/chat/completions", "azure-key"), (request.Path, request.ApiKey));
        Assert.Equal(new LanguageModelDescription("AzureOpenAI", "my-deployment", _server.AzureEndpoint.ToString()), models.Describe("conversation"));
    }

    [Fact]
    public async Task A_model_per_agent_overrides_the_default()
    {
        using var models = Models(o => o.Agents["intent"] = new LlmAgentOptions { Model = "small-model" });

        await StreamAsync(models.GetChatClient("intent")!);
        await StreamAsync(models.GetChatClient("conversation")!);

        Assert.Equal(["small-model", "fake-model"], _server.Requests.Select(r => r.Model));
        Assert.Equal("small-model", models.Describe("intent")!.Model);
    }

    [Fact]
    public void Without_a_provider_there_is_no_model()
    {
        using var models = new AudioOrchestrator.Speech.LanguageModels(Options.Create(new LlmOptions()), TimeProvider.System, NullLoggerFactory.Instance, Meters);

        Assert.False(models.IsConfigured);
        Assert.Null(models.GetChatClient("conversation"));
        Assert.Null(models.Describe("conversation"));
    }

    [Fact]
    public async Task Rate_limiting_is_retried_after_the_servers_retry_after()
    {
        _server.Respond = r => _server.Requests.Count == 1
            ? new FakeChatReply { Status = 429, ErrorCode = "rate_limit_exceeded", Headers = new Dictionary<string, string> { ["retry-after"] = "0.3" } }
            : FakeChatReply.Say("Fine now.");
        using var models = Models();

        var chunks = await StreamAsync(models.GetChatClient("conversation")!);

        Assert.Equal("Fine now.", string.Concat(chunks));
        Assert.Equal(2, _server.Requests.Count);
        Assert.True(_server.Requests[1].ReceivedAt - _server.Requests[0].ReceivedAt >= TimeSpan.FromMilliseconds(290), "waited for retry-after");
    }

    [Fact]
    public async Task A_retry_after_longer_than_allowed_fails_at_once_and_says_so()
    {
        _server.Respond = _ => new FakeChatReply { Status = 429, Headers = new Dictionary<string, string> { ["retry-after"] = "60" } };
        using var models = Models();

        var failure = await Assert.ThrowsAsync<LanguageModelException>(() => StreamAsync(models.GetChatClient("conversation")!));

        Assert.Single(_server.Requests);
        Assert.Contains("rate limited (429) and asked to retry after 60 s", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Server_errors_are_retried_and_then_reported_with_the_attempts()
    {
        _server.Respond = _ => new FakeChatReply { Status = 500 };
        using var models = Models(o => o.MaxRetries = 2);

        var failure = await Assert.ThrowsAsync<LanguageModelException>(() => StreamAsync(models.GetChatClient("conversation")!));

        Assert.Equal(3, _server.Requests.Count);
        Assert.Contains("server error (500) (3 attempts)", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_wrong_key_is_not_retried()
    {
        _server.Respond = _ => new FakeChatReply { Status = 401, ErrorMessage = "Incorrect API key provided." };
        using var models = Models();

        var failure = await Assert.ThrowsAsync<LanguageModelException>(() => StreamAsync(models.GetChatClient("conversation")!));

        Assert.Single(_server.Requests);
        Assert.Contains("refused the credentials (401)", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_server_that_never_sends_a_byte_is_abandoned_at_the_first_token_timeout_and_retried()
    {
        _server.Respond = _ => _server.Requests.Count == 1 ? new FakeChatReply { StallBeforeHeaders = true } : FakeChatReply.Say("Second try.");
        using var models = Models(o => o.FirstTokenTimeout = TimeSpan.FromMilliseconds(300));

        var chunks = await StreamAsync(models.GetChatClient("conversation")!);

        Assert.Equal("Second try.", string.Concat(chunks));
        await TestWait.UntilAsync(() => _server.Requests[0].Aborted, "the stalled request to be aborted");
    }

    [Fact]
    public async Task A_connection_dropped_mid_answer_fails_without_a_retry()
    {
        var read = new TaskCompletionSource();
        _server.Respond = _ => new FakeChatReply { Text = "one two three four", DropAfterTokens = 2, DropWhen = read.Task };
        using var models = Models();
        var received = new List<string>();

        var failure = await Assert.ThrowsAsync<LanguageModelException>(async () =>
        {
            await foreach (var update in models.GetChatClient("conversation")!.GetStreamingResponseAsync("hi", cancellationToken: Ct))
            {
                received.Add(update.Text);
                if (string.Concat(received) == "one two")
                {
                    read.TrySetResult(); // both chunks reached the caller: now the connection drops
                }
            }
        });

        Assert.Equal("one two", string.Concat(received));
        Assert.Single(_server.Requests);
        Assert.Contains("after it had started answering", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_garbage_answer_in_one_piece_is_a_clear_failure()
    {
        _server.Respond = _ => new FakeChatReply { RawBody = "<html><body>502 Bad Gateway</body></html>", RawContentType = "text/html" };
        using var models = Models();

        var failure = await Assert.ThrowsAsync<LanguageModelException>(() =>
            models.GetChatClient("intent")!.GetResponseAsync([new ChatMessage(ChatRole.User, "hi")], cancellationToken: Ct));

        Assert.Contains("not valid JSON", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Cancelling_a_streamed_answer_aborts_the_http_request()
    {
        // The server would go on forever: only the client closing the connection ends the request.
        _server.Respond = _ => new FakeChatReply { Text = string.Join(' ', Enumerable.Repeat("word", 200)), TokensPerSecond = 20, StallAfterTokens = 20 };
        using var models = Models();

        await ReadUntilFirstTextThenCancelAsync(models);

        var request = Assert.Single(_server.Requests);
        await TestWait.UntilAsync(() => request.Aborted, "the server to see the request aborted");
        Assert.True(request.ChunksSent < 200);
    }

    [Fact]
    public async Task A_cancelled_answer_is_not_drained_even_when_its_rest_follows_within_the_drain_time()
    {
        // HttpClient's default would read the rest of a cancelled response (up to 1 MB, 2 s) to reuse the connection: the
        // model would go on generating, and an answer that ends within that time would never be aborted at all.
        var cancelled = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        // The rest takes about 1.3 s: well inside the 2 s a draining client would wait for it, well beyond the moment
        // a client that closes at once needs to go.
        _server.Respond = _ => new FakeChatReply { Text = string.Join(' ', Enumerable.Repeat("word", 200)), TokensPerSecond = 150, HoldAfterTokens = 3, ContinueWhen = cancelled.Task };
        using var models = Models();

        await ReadUntilFirstTextThenCancelAsync(models);
        cancelled.SetResult(); // the rest of the answer now follows

        var request = Assert.Single(_server.Requests);
        await TestWait.UntilAsync(() => request.EndedAt is not null, "the request to end");
        Assert.True(request.Aborted, $"the request ended normally after {request.ChunksSent} chunks: the client drained the cancelled answer");
    }

    private async Task ReadUntilFirstTextThenCancelAsync(ILanguageModels models)
    {
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
        {
            await foreach (var update in models.GetChatClient("conversation")!.GetStreamingResponseAsync("talk", cancellationToken: cancel.Token))
            {
                if (update.Text.Length > 0)
                {
                    await cancel.CancelAsync();
                }
            }
        });
    }

    [Theory]
    [InlineData(LlmProvider.OpenAI, null, null, "sk", "Llm:Model is required")]
    [InlineData(LlmProvider.OpenAI, "not a url", "m", "sk", "is not an http(s) URL")]
    [InlineData(LlmProvider.OpenAI, null, "m", null, "Llm:ApiKey is required for api.openai.com")]
    [InlineData(LlmProvider.AzureOpenAI, null, "m", null, "Llm:Endpoint (https://<resource>.openai.azure.com/) is required")]
    public void Incomplete_configuration_is_refused_at_start_up_with_the_key_to_fix(LlmProvider provider, string? endpoint, string? model, string? key, string message)
    {
        var result = new LlmOptionsValidator().Validate(null, new LlmOptions { Provider = provider, Endpoint = endpoint, Model = model, ApiKey = key });

        Assert.True(result.Failed);
        Assert.Contains(message, result.FailureMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void A_self_hosted_server_needs_no_key()
    {
        var result = new LlmOptionsValidator().Validate(null, new LlmOptions { Provider = LlmProvider.OpenAI, Endpoint = "http://127.0.0.1:11434/v1", Model = "llama3.2" });

        Assert.True(result.Succeeded);
    }
}
