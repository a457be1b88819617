namespace AudioOrchestrator.Silo.Tests;

/// <summary>The shared service runs the embedded default: no key, loopback only, open, and says so once.</summary>
[Collection(ServiceCollection.Name)]
public sealed class OpenAccessTests(ServiceFixture service)
{
    [Fact]
    public async Task Without_keys_on_loopback_everything_is_open_and_the_log_says_so_once()
    {
        using var agents = await service.Http.GetAsync("/api/v1/agents", TestContext.Current.CancellationToken);
        using var metrics = await service.Http.GetAsync("/metrics", TestContext.Current.CancellationToken);

        Assert.Equal(System.Net.HttpStatusCode.OK, agents.StatusCode);
        Assert.Equal(System.Net.HttpStatusCode.OK, metrics.StatusCode);
        var line = Assert.Single(service.Logs.Lines, l => l.Contains("Auth:ApiKeys", StringComparison.Ordinal));
        Assert.StartsWith("Warning", line, StringComparison.Ordinal);
        Assert.Contains("loopback", line, StringComparison.Ordinal);
    }
}
