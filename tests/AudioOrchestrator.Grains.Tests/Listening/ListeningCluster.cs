using AudioOrchestrator.Speech;
using Microsoft.Extensions.DependencyInjection;

namespace AudioOrchestrator.Grains.Tests.Listening;

/// <summary>
/// The pipeline cluster with the wake and barge-in settings under test: Discord guild sessions need a wake phrase
/// (the default), guild <see cref="TranscriptOnlyGuild"/> confirms it on the transcript only, and a tone spotter
/// stands in for pocketsphinx.
/// </summary>
public sealed class ListeningCluster : PipelineCluster
{
    public const ulong WakeGuild = 111;
    public const ulong TranscriptOnlyGuild = 222;

    public ToneWakePhraseSpotter Spotter { get; } = new();

    protected override IReadOnlyDictionary<string, string?> SiloSettings { get; } = new Dictionary<string, string?>
    {
        [$"WakeWord:Guilds:{TranscriptOnlyGuild}:AcousticSpotting"] = "false",
        ["WakeWord:ConversationWindow"] = "00:00:30",
        ["BargeIn:MinSpeechMs"] = "400",
        ["BargeIn:ResumeAfterSilenceMs"] = "300",
    };

    protected override void ConfigureSiloServices(IServiceCollection services) =>
        services.AddSingleton<IWakePhraseSpotter>(Spotter);
}
