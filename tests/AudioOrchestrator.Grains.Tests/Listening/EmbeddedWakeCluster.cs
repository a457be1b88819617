using AudioOrchestrator.Speech;
using AudioOrchestrator.Testing;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;

namespace AudioOrchestrator.Grains.Tests.Listening;

/// <summary>
/// The pipeline cluster with the real embedded recogniser and wake spotter (pocketsphinx, the acoustic model enrolled
/// to espeak-ng's voice), so espeak-ng speech goes through acoustic wake spotting in the SpeakerGrain.
/// </summary>
public sealed class EmbeddedWakeCluster : PipelineCluster
{
    private string _acousticModel = "";

    protected override async Task PrepareAsync() => _acousticModel = await EspeakVoiceEnrolment.GetModelAsync(CancellationToken.None);

    protected override void ConfigureSiloServices(IServiceCollection services)
    {
        services.AddPocketSphinxSpeechToText().Configure(o => o.AcousticModelPath = _acousticModel);
        services.AddPocketSphinxWakePhraseSpotter();
        services.AddSingleton<ISpeechToTextClient>(sp => sp.GetRequiredService<PocketSphinxSpeechToTextClient>());
    }
}
