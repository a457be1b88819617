namespace AudioOrchestrator.Audio;

/// <summary>Argument checks shared by the Opus encoder and decoder.</summary>
internal static class OpusRules
{
    /// <summary>Longest packet duration Opus allows (120 ms) in samples per channel at 48 kHz.</summary>
    internal const int MaxFrameSamplesAt48K = 5760;

    internal static void ThrowIfUnsupported(int sampleRate, int channels)
    {
        if (sampleRate is not (8000 or 12000 or 16000 or 24000 or 48000))
        {
            throw new ArgumentOutOfRangeException(nameof(sampleRate), sampleRate, "Opus supports 8000, 12000, 16000, 24000 or 48000 Hz.");
        }

        if (channels is not (1 or 2))
        {
            throw new ArgumentOutOfRangeException(nameof(channels), channels, "Opus supports 1 or 2 channels.");
        }
    }

    internal static int MaxFrameSamples(int sampleRate) => MaxFrameSamplesAt48K * sampleRate / 48000;

    /// <summary>Opus decodes/conceals only whole multiples of 2.5 ms.</summary>
    internal static void ThrowIfInvalidFrameSamples(int frameSamples, int sampleRate, string parameterName)
    {
        var quantum = sampleRate / 400;
        if (frameSamples <= 0 || frameSamples % quantum != 0 || frameSamples > MaxFrameSamples(sampleRate))
        {
            throw new ArgumentOutOfRangeException(parameterName, frameSamples, $"Frame size must be a positive multiple of 2.5 ms ({quantum} samples) up to 120 ms.");
        }
    }
}
