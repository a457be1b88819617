namespace AudioOrchestrator.Audio;

/// <summary>
/// How the service itself puts captured speech into Opus for the speaker streams (a live <c>pcm16</c> socket, an
/// uploaded recording): 16 kHz mono, the rate speech-to-text hears, so nothing is resampled on either side; VoIP mode
/// (SILK wideband); complexity 5. At libopus' default complexity 10 (and 48 kHz) encoding cost 15-35 ms of CPU per
/// second of speech, more than the rest of a speaker's DSP together; complexity 5 at 16 kHz costs about 7 ms, and the
/// speaker grain decodes the packets at 16 kHz (docs/benchmarks.md, "Where a speaker's CPU goes").
/// </summary>
public static class SpeechOpus
{
    /// <summary>Sample rate of the PCM the encoder takes (16 kHz).</summary>
    public const int SampleRate = AudioFormat.SpeechSampleRate;

    /// <summary>libopus encoder complexity (0-10).</summary>
    public const int Complexity = 5;

    /// <summary>A mono 16 kHz VoIP encoder at <see cref="Complexity"/>; the caller disposes it.</summary>
    public static OpusEncoder CreateEncoder()
    {
        var encoder = new OpusEncoder(SampleRate, 1, OpusApplication.Voip);
        try
        {
            encoder.Complexity = Complexity;
            return encoder;
        }
        catch
        {
            encoder.Dispose();
            throw;
        }
    }
}
