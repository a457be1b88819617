using System.Net;
using System.Text.Json;
using AudioOrchestrator.Testing;

namespace AudioOrchestrator.Silo.Tests;

/// <summary>What operators and API users reach besides the voice path.</summary>
[Collection(ServiceCollection.Name)]
public sealed class OperationsTests(ServiceFixture service)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData("/health/live")]
    [InlineData("/health/ready")]
    public async Task Health_endpoints_report_healthy(string path)
    {
        using var response = await service.Http.GetAsync(path, Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("Healthy", await response.Content.ReadAsStringAsync(Ct));
    }

    [Fact]
    public async Task OpenApi_document_describes_the_api()
    {
        using var document = JsonDocument.Parse(await service.Http.GetStringAsync("/openapi/v1.json", Ct));

        var paths = document.RootElement.GetProperty("paths");
        Assert.True(paths.TryGetProperty("/api/v1/sessions/{sessionId}/utterances", out var utterances));
        Assert.True(utterances.TryGetProperty("post", out _));
        Assert.True(paths.TryGetProperty("/api/v1/sessions/{sessionId}", out var session));
        Assert.True(session.TryGetProperty("get", out _) && session.TryGetProperty("delete", out _));
        Assert.True(paths.TryGetProperty("/api/v1/agents", out _));

        var messages = paths.GetProperty("/api/v1/sessions/{sessionId}/messages").GetProperty("post");
        Assert.True(messages.GetProperty("requestBody").GetProperty("content").TryGetProperty("application/json", out _));
        var ok = messages.GetProperty("responses").GetProperty("200").GetProperty("content");
        Assert.True(ok.TryGetProperty("application/json", out _) && ok.TryGetProperty("text/event-stream", out _));
    }

    [Theory]
    [InlineData("/docs", "text/html")]
    [InlineData("/dashboard/", "text/html")]
    public async Task Browsable_pages_are_served(string path, string mediaType)
    {
        using var response = await service.Http.GetAsync(path, Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(mediaType, response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task Agents_are_listed_with_their_phrases()
    {
        using var agents = JsonDocument.Parse(await service.Http.GetStringAsync("/api/v1/agents", Ct));

        var names = agents.RootElement.EnumerateArray().Select(a => a.GetProperty("name").GetString()).ToArray();
        Assert.Equal(["conversation", "echo", "help", "leave", "summarization", "time"], names);
    }

    [Fact]
    public async Task Prometheus_metrics_include_the_pipeline_and_orleans()
    {
        // Metrics appear once recorded: on a loaded machine the first scrape after start-up held only target_info, so
        // scrape until the Orleans meters have been recorded (the exporter caches a scrape briefly).
        var text = "";
        await TestWait.UntilAsync(
            async () => (text = await service.Http.GetStringAsync("/metrics", Ct)).Contains("orleans", StringComparison.OrdinalIgnoreCase),
            "the Orleans meters on /metrics",
            TimeSpan.FromSeconds(60));

        Assert.Contains("# TYPE", text, StringComparison.Ordinal);
    }
}
