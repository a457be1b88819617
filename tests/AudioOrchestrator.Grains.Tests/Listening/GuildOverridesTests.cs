using AudioOrchestrator.Contracts;
using AudioOrchestrator.Grains.Listening;
using AudioOrchestrator.Grains.WakeWords;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace AudioOrchestrator.Grains.Tests.Listening;

public sealed class GuildOverridesTests
{
    private static ServiceProvider Build(Dictionary<string, string?> settings)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddMetrics();
        services.AddAudioOrchestratorGrains(configuration);
        return services.BuildServiceProvider();
    }

    [Fact]
    public void Defaults_keep_uploads_always_listening_and_discord_wake_required()
    {
        using var services = Build([]);
        var resolver = services.GetRequiredService<ListeningSettingsResolver>();

        var upload = resolver.Resolve(SessionProfile.Rest);
        var discord = resolver.Resolve(SessionProfile.Discord(42));

        Assert.Equal(WakeMode.AlwaysListening, upload.WakeMode);
        Assert.Equal(WakeMode.WakeRequired, discord.WakeMode);
        Assert.Equal(["hey orchestrator"], upload.Wake.Phrases);
        Assert.True(upload.BargeIn.Enabled);
        Assert.Equal(500, upload.BargeIn.MinSpeechMs);
    }

    [Fact]
    public void A_live_session_needs_the_wake_phrase_as_its_profile_asks_else_as_configured()
    {
        using var services = Build(new() { ["WakeWord:Mode"] = "WakeRequired" });
        var resolver = services.GetRequiredService<ListeningSettingsResolver>();

        Assert.Equal(WakeMode.WakeRequired, resolver.Resolve(SessionProfile.Live()).WakeMode);
        Assert.Equal(WakeMode.AlwaysListening, resolver.Resolve(SessionProfile.Live(SessionWake.Off)).WakeMode);
        Assert.Equal(WakeMode.WakeRequired, resolver.Resolve(SessionProfile.Live(SessionWake.Required)).WakeMode);
        using var defaults = Build([]);
        Assert.Equal(WakeMode.WakeRequired, defaults.GetRequiredService<ListeningSettingsResolver>().Resolve(SessionProfile.Live(SessionWake.Required)).WakeMode);
        Assert.Equal(WakeMode.AlwaysListening, defaults.GetRequiredService<ListeningSettingsResolver>().Resolve(SessionProfile.Live()).WakeMode);
    }

    [Fact]
    public void One_wake_phrase_list_feeds_the_gate_the_grammar_and_the_router_and_replaces_the_default()
    {
        using var services = Build(new()
        {
            ["WakeWord:Phrases:0"] = "OK Computer",
            ["WakeWord:Guilds:111:Phrases:0"] = "hello bot",
        });

        Assert.Equal(["ok computer", "hello bot"], services.GetRequiredService<ConfiguredWakePhrases>().Phrases);
        Assert.Equal(["OK Computer"], services.GetRequiredService<ListeningSettingsResolver>().Resolve(SessionProfile.Rest).Wake.Phrases);
        Assert.Contains("hello bot", services.GetRequiredService<AudioOrchestrator.Speech.ISpeechVocabularySource>().GetVocabulary().WakePhrases);
        var router = new AudioOrchestrator.Grains.Routing.AgentRouter(
            Conversations.TurnTestServices.Catalog, Options.Create(new ConversationOptions()), services.GetRequiredService<ConfiguredWakePhrases>());
        Assert.Equal("hi", router.Route("hello bot echo hi")!.Slots["text"]);
        Assert.Equal("conversation", router.Route("hey orchestrator echo hi")!.Agent.Name); // the default phrase was replaced
    }

    [Fact]
    public void A_guild_overrides_only_what_it_sets_and_other_guilds_keep_the_base()
    {
        using var services = Build(new()
        {
            ["Speaker:PacketGapMs"] = "120",
            ["Speaker:Segmenter:EndOfUtteranceSilenceMs"] = "700",
            ["Speaker:Guilds:111:Segmenter:EndOfUtteranceSilenceMs"] = "400",
            ["Speaker:Guilds:111:Silero:SpeechThreshold"] = "0.6",
            ["WakeWord:Phrases:0"] = "hey orchestrator",
            ["WakeWord:Phrases:1"] = "ok computer",
            ["WakeWord:Guilds:111:Mode"] = "AlwaysListening",
            ["WakeWord:Guilds:111:Phrases:0"] = "hello bot",
            ["WakeWord:Guilds:222:ConversationWindow"] = "00:00:30",
            ["BargeIn:Guilds:222:MinSpeechMs"] = "800",
            ["BargeIn:Guilds:222:Enabled"] = "false",
        });
        var resolver = services.GetRequiredService<ListeningSettingsResolver>();

        var first = resolver.Resolve(SessionProfile.Discord(111));
        var second = resolver.Resolve(SessionProfile.Discord(222));
        var other = resolver.Resolve(SessionProfile.Discord(333));

        Assert.Equal((400, 120, 0.6f), (first.Speaker.Segmenter.EndOfUtteranceSilenceMs, first.Speaker.PacketGapMs, first.Speaker.Silero.SpeechThreshold));
        Assert.Equal(WakeMode.AlwaysListening, first.WakeMode);
        Assert.Equal(["hello bot"], first.Wake.Phrases);
        Assert.Equal(WakeMode.WakeRequired, second.WakeMode);
        Assert.Equal(["hey orchestrator", "ok computer"], second.Wake.Phrases);
        Assert.Equal(TimeSpan.FromSeconds(30), second.Wake.ConversationWindow);
        Assert.Equal((false, 800), (second.BargeIn.Enabled, second.BargeIn.MinSpeechMs));
        Assert.Equal((700, WakeMode.WakeRequired, true), (other.Speaker.Segmenter.EndOfUtteranceSilenceMs, other.WakeMode, other.BargeIn.Enabled));
    }

    [Theory]
    [InlineData("BargeIn:Guilds:111:MinSpeechMs", "0", "MinSpeechMs")]
    [InlineData("WakeWord:Guilds:111:MatchThreshold", "2", "MatchThreshold")]
    [InlineData("WakeWord:Guilds:not-a-guild:Mode", "WakeRequired", "numeric id")]
    [InlineData("WakeWord:Phrases:0", "  ", "at least one word")]
    [InlineData("Speaker:Guilds:111:Segmenter:EndOfUtteranceSilenceMs", "-5", "EndOfUtteranceSilenceMs")]
    public void Invalid_overrides_fail_at_start_up_with_the_setting_named(string key, string value, string expected)
    {
        using var services = Build(new() { [key] = value, ["Speaker:VoiceActivityDetector"] = "Energy" });

        var error = Assert.ThrowsAny<Exception>(() => services.GetRequiredService<IStartupValidator>().Validate());

        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }
}
