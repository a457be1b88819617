namespace AudioOrchestrator.Audio;

/// <summary>Audio format constants shared by the whole pipeline.</summary>
public static class AudioFormat
{
    /// <summary>Sample rate of every Opus stream on the wire.</summary>
    public const int OpusSampleRate = 48000;

    /// <summary>Sample rate the speech models (VAD, speech-to-text) expect.</summary>
    public const int SpeechSampleRate = 16000;

    /// <summary>Duration of one processing frame / Opus packet.</summary>
    public const int FrameMilliseconds = 20;

    /// <summary>Samples per channel in one 20 ms frame at <paramref name="sampleRate"/>.</summary>
    public static int SamplesPerFrame(int sampleRate)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(sampleRate);
        if (sampleRate % (1000 / FrameMilliseconds) != 0)
        {
            throw new ArgumentException($"Sample rate {sampleRate} Hz does not divide into whole {FrameMilliseconds} ms frames.", nameof(sampleRate));
        }

        return sampleRate / (1000 / FrameMilliseconds);
    }
}
