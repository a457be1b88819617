using System.Diagnostics.Metrics;
using AudioOrchestrator.Testing;
using AudioOrchestrator.Testing.OpenAi;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace AudioOrchestrator.Speech.Tests.LanguageModels;

/// <summary>Two providers (two local fake servers): failover, the circuit breaker on a fake clock, and the model never seeing secrets.</summary>
public sealed class FailoverTests : IAsyncLifetime
{
    private readonly FakeTimeProvider _clock = new();
    private FakeOpenAiServer _first = null!;
    private FakeOpenAiServer _second = null!;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        _first = await FakeOpenAiServer.StartAsync(_ => FakeChatReply.Say("first"));
        _second = await FakeOpenAiServer.StartAsync(_ => FakeChatReply.Say("second"));
    }

    public async ValueTask DisposeAsync()
    {
        await _first.DisposeAsync();
        await _second.DisposeAsync();
    }

    private AudioOrchestrator.Speech.LanguageModels Models(TimeProvider? clock = null, SecretValues? secrets = null, Action<LlmOptions>? configure = null)
    {
        var options = new LlmOptions
        {
            Provider = LlmProvider.OpenAI,
            Endpoint = _first.BaseUrl.ToString(),
            Model = "one",
            Fallbacks = [new LlmEndpointOptions { Provider = LlmProvider.OpenAI, Endpoint = _second.BaseUrl.ToString(), Model = "two" }],
            CircuitBreaker = new CircuitBreakerOptions { FailureThreshold = 2, BreakDuration = TimeSpan.FromSeconds(30) },
            MaxRetries = 0,
        };
        configure?.Invoke(options);
        var meters = new ServiceCollection().AddMetrics().BuildServiceProvider().GetRequiredService<IMeterFactory>();
        return new AudioOrchestrator.Speech.LanguageModels(Options.Create(options), clock ?? TimeProvider.System, NullLoggerFactory.Instance, meters, secrets);
    }

    private static async Task<string> AskAsync(IChatClient chat, string question = "hi")
    {
        var text = "";
        await foreach (var update in chat.GetStreamingResponseAsync(question, cancellationToken: Ct))
        {
            text += update.Text;
        }

        return text;
    }

    [Fact]
    public async Task A_failing_first_provider_hands_the_request_to_the_fallback()
    {
        _first.Respond = _ => new FakeChatReply { Status = 429, Headers = new Dictionary<string, string> { ["retry-after"] = "1" } };
        using var models = Models();

        Assert.Equal("second", await AskAsync(models.GetChatClient("conversation")!));
        Assert.Single(_first.Requests);
        Assert.Single(_second.Requests);
        Assert.Equal(["OpenAI two at " + _second.BaseUrl], models.Describe("conversation")!.Fallbacks);
    }

    [Fact]
    public async Task A_first_provider_that_never_starts_answering_is_abandoned_at_its_first_token_timeout()
    {
        // The timeout runs on a fake clock: it passes once the first provider holds the request, and never for the fallback.
        _first.Respond = _ => new FakeChatReply { StallBeforeHeaders = true };
        using var models = Models(_clock, configure: o => o.FirstTokenTimeout = TimeSpan.FromMilliseconds(300));

        var answer = AskAsync(models.GetChatClient("conversation")!);
        await TestWait.UntilAsync(() => _first.Requests.Count > 0, "the first provider to be asked");
        _clock.Advance(TimeSpan.FromSeconds(1));

        Assert.Equal("second", await answer.WaitAsync(TimeSpan.FromSeconds(30), Ct));
        await TestWait.UntilAsync(() => _first.Requests[0].Aborted, "the stalled request to be aborted");
    }

    [Fact]
    public async Task A_provider_that_keeps_failing_is_kept_out_then_probed_back()
    {
        _first.Respond = _ => new FakeChatReply { Status = 500 };
        using var models = Models(_clock);
        var chat = models.GetChatClient("conversation")!;

        await AskAsync(chat);
        await AskAsync(chat); // second failure in a row: the circuit opens
        await AskAsync(chat);
        Assert.Equal(2, _first.Requests.Count); // the third request went straight to the fallback
        Assert.Equal(3, _second.Requests.Count);

        _first.Respond = _ => FakeChatReply.Say("first again");
        _clock.Advance(TimeSpan.FromSeconds(31));
        Assert.Equal("first again", await AskAsync(chat)); // one probe, and it succeeds: closed again
        Assert.Equal("first again", await AskAsync(chat));
        Assert.Equal(4, _first.Requests.Count);
    }

    [Fact]
    public async Task When_every_provider_is_down_the_failure_says_so()
    {
        _first.Respond = _ => new FakeChatReply { Status = 503 };
        _second.Respond = _ => new FakeChatReply { Status = 503 };
        using var models = Models(_clock);
        var chat = models.GetChatClient("conversation")!;
        await Assert.ThrowsAsync<LanguageModelException>(() => AskAsync(chat));
        await Assert.ThrowsAsync<LanguageModelException>(() => AskAsync(chat));

        var failure = await Assert.ThrowsAsync<LanguageModelException>(() => AskAsync(chat));

        Assert.True(failure.NoProviderAvailable);
        Assert.Contains("No language model is available", failure.Message, StringComparison.Ordinal);
        Assert.Equal(2, _first.Requests.Count); // both circuits are open: nothing more was sent
        Assert.Equal(2, _second.Requests.Count);
    }

    [Fact]
    public async Task A_failure_after_the_answer_started_is_not_handed_over()
    {
        var read = new TaskCompletionSource();
        _first.Respond = _ => new FakeChatReply { Text = "half an answer", DropAfterTokens = 1, DropWhen = read.Task };
        using var models = Models();
        var received = "";

        await Assert.ThrowsAsync<LanguageModelException>(async () =>
        {
            await foreach (var update in models.GetChatClient("conversation")!.GetStreamingResponseAsync("hi", cancellationToken: Ct))
            {
                received += update.Text;
                if (received.Length > 0)
                {
                    read.TrySetResult();
                }
            }
        });

        Assert.Equal("half", received);
        Assert.Empty(_second.Requests);
    }

    [Fact]
    public async Task Secrets_are_scrubbed_from_everything_sent_to_the_model()
    {
        const string Token = "MTIzNDU2Nzg5MDEyMzQ1Njc4.G1a2b3.discord-bot-token";
        using var models = Models(secrets: new SecretValues([Token, "short"]));

        await AskAsync(models.GetChatClient("conversation")!, $"my token is {Token}, keep it short");

        var sent = Assert.Single(_first.Requests).LastUser;
        Assert.Equal("my token is [redacted], keep it short", sent);
    }
}
