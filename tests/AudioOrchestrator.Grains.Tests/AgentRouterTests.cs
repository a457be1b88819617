using AudioOrchestrator.Contracts;
using AudioOrchestrator.Grains.Agents;
using AudioOrchestrator.Grains.Routing;
using AudioOrchestrator.Grains.WakeWords;
using Microsoft.Extensions.Options;

namespace AudioOrchestrator.Grains.Tests;

public sealed class AgentRouterTests
{
    private static readonly AgentCatalog Catalog = AgentCatalog.FromClasses(
        [typeof(EchoAgentGrain), typeof(TimeAgentGrain), typeof(HelpAgentGrain), typeof(SlowAgentGrain), typeof(ConversationAgentGrain), typeof(string)]);

    private static AgentRouter Router(string? fallback = null) =>
        new(Catalog, Options.Create(new ConversationOptions { FallbackAgent = fallback }), new ConfiguredWakePhrases(["hey orchestrator"]));

    [Fact]
    public void Catalog_finds_agent_grains_by_attribute()
    {
        Assert.Equal(["conversation", "echo", "help", "slow", "time"], Catalog.Agents.Select(a => a.Name));
        Assert.True(Catalog.Find("conversation")!.IsFallback);
        Assert.True(Catalog.Find("conversation")!.UsesLanguageModel);
        Assert.False(Catalog.Find("echo")!.UsesLanguageModel);
    }

    [Theory]
    [InlineData("echo hello world", "echo", "hello world")]
    [InlineData("Echo, Hello World!", "echo", "hello world")]
    [InlineData("hey orchestrator echo hi", "echo", "hi")]
    [InlineData("what time is it", "time", null)]
    [InlineData("time", "time", null)]
    [InlineData("help", "help", null)]
    [InlineData("something else entirely", "conversation", null)]
    [InlineData("echo", "conversation", null)]
    public void Routes_by_phrase(string transcript, string agent, string? text)
    {
        var route = Router().Route(transcript);

        Assert.NotNull(route);
        Assert.Equal(agent, route!.Agent.Name);
        Assert.Equal(text, route.Slots.GetValueOrDefault("text"));
    }

    [Fact]
    public void The_route_says_why_the_agent_was_chosen()
    {
        var phrase = Router().Route("echo hi")!.Route;
        var fallback = Router().Route("tell me a story")!.Route;

        Assert.Equal((TurnRoute.Phrase, "echo {text}"), (phrase.Reason, phrase.Detail));
        Assert.Equal(TurnRoute.Fallback, fallback.Reason);
        Assert.Null(Router().MatchPhrase("tell me a story").Decision);
    }

    [Fact]
    public void Summary_trigger_phrases_from_configuration_replace_the_agents_own()
    {
        var catalog = AgentCatalog.FromClasses([typeof(SummarizationAgentGrain), typeof(ConversationAgentGrain)], ["recap please", "give me the minutes"]);

        Assert.Equal(["recap please", "give me the minutes"], catalog.Find("summarization")!.Phrases.Select(p => p.Text));
        Assert.Equal("summarization", new AgentRouter(catalog, Options.Create(new ConversationOptions()), new ConfiguredWakePhrases(["hey orchestrator"])).Route("give me the minutes")!.Agent.Name);
    }

    [Fact]
    public void An_agent_with_several_activations_per_silo_stops_start_up_with_the_fix()
    {
        // Checked on the streaming probes: an agent class placed wrongly would stop the test silo itself.
        AgentCatalog.RequireStreamingPlacement(typeof(OneWorkerStreamingGrain));
        var error = Assert.Throws<InvalidOperationException>(() => AgentCatalog.RequireStreamingPlacement(typeof(ManyWorkersStreamingGrain)));

        Assert.Contains("[StatelessWorker(1, removeIdleWorkers: false)]", error.Message, StringComparison.Ordinal);
        Assert.Contains(nameof(ManyWorkersStreamingGrain), error.Message, StringComparison.Ordinal);
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

