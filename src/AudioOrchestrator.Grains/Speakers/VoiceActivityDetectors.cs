using AudioOrchestrator.Audio;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace AudioOrchestrator.Grains.Speakers;

/// <summary>
/// Makes each speaker pipeline's voice activity detector: Silero VAD (one shared model per silo, state per speaker)
/// or the energy detector, per <see cref="SpeakerOptions.VoiceActivityDetector"/>.
/// </summary>
public sealed class VoiceActivityDetectors(IOptions<SpeakerOptions> options, IServiceProvider services)
{
    public const string Silero = "Silero";
    public const string Energy = "Energy";

    public bool UsesSilero => options.Value.VoiceActivityDetector == Silero;

    /// <summary>A new detector for one input, or null for the segmenter's own energy detector.</summary>
    public IVoiceActivityDetector? Create() => Create(options.Value);

    /// <summary>A new detector for one input with <paramref name="settings"/> (a guild's overrides), or null for the segmenter's own energy detector.</summary>
    public IVoiceActivityDetector? Create(SpeakerOptions settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        return settings.VoiceActivityDetector == Silero
            ? new SileroVoiceActivityDetector(services.GetRequiredService<SileroVadModel>(), settings.Silero)
            : null;
    }
}
