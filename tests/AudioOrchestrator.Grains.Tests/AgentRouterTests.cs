using AudioOrchestrator.Grains.Agents;
using AudioOrchestrator.Grains.Routing;
using Microsoft.Extensions.Options;

namespace AudioOrchestrator.Grains.Tests;

public sealed class AgentRouterTests
{
    private static readonly AgentCatalog Catalog = AgentCatalog.FromClasses(
        [typeof(EchoAgentGrain), typeof(TimeAgentGrain), typeof(HelpAgentGrain), typeof(SlowAgentGrain), typeof(string)]);

    private static AgentRouter Router(string? fallback = null) =>
        new(Catalog, Options.Create(new ConversationOptions { FallbackAgent = fallback }));

    [Fact]
    public void Catalog_finds_agent_grains_by_attribute()
    {
        Assert.Equal(["echo", "help", "slow", "time"], Catalog.Agents.Select(a => a.Name));
        Assert.True(Catalog.Find("help")!.IsFallback);
    }

    [Theory]
    [InlineData("echo hello world", "echo", "hello world")]
    [InlineData("Echo, Hello World!", "echo", "hello world")]
    [InlineData("hey orchestrator echo hi", "echo", "hi")]
    [InlineData("what time is it", "time", null)]
    [InlineData("time", "time", null)]
    [InlineData("help", "help", null)]
    [InlineData("something else entirely", "help", null)]
    [InlineData("echo", "help", null)]
    public void Routes_by_phrase(string transcript, string agent, string? text)
    {
        var route = Router().Route(transcript);

        Assert.NotNull(route);
        Assert.Equal(agent, route!.Agent.Name);
        Assert.Equal(text, route.Slots.GetValueOrDefault("text"));
    }

    [Fact]
    public void Wake_phrase_is_reported_and_stripped()
    {
        var route = Router().Route("hey orchestrator what time is it");

        Assert.True(route!.WakePhraseHeard);
        Assert.Equal("what time is it", route.Text);
    }

    [Fact]
    public void Unknown_fallback_agent_is_a_configuration_error()
    {
        var error = Assert.Throws<InvalidOperationException>(() => Router("nobody"));
        Assert.Contains("nobody", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("{text} echo")]
    [InlineData("{text}")]
    [InlineData("echo {te xt}")]
    [InlineData("   ")]
    public void Malformed_phrases_are_rejected(string phrase) =>
        Assert.ThrowsAny<ArgumentException>(() => PhrasePattern.Parse(phrase));
}
