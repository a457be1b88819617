namespace AudioOrchestrator.Audio;

/// <summary>Opus encoder application mode (OPUS_APPLICATION_*).</summary>
public enum OpusApplication
{
    Voip = 2048,
    Audio = 2049,
    RestrictedLowDelay = 2051,
}
