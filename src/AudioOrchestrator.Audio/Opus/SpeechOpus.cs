namespace AudioOrchestrator.Audio;

/// <summary>
/// How the service itself puts captured speech into Opus for the speaker streams (a live <c>pcm16</c> socket, an
/// uploaded recording): 16 kHz mono, the rate speech-to-text hears, so nothing is resampled on either side; VoIP mode
/// (SILK wideband) at 24 kbit/s, complexity 5. Measured on the 2-core machine for a second of speech: libopus' default
/// complexity 10 at 48 kHz (as before) cost 15-35 ms of CPU, more than the rest of a speaker's DSP together; 16 kHz at
/// complexity 5 costs 5.5 ms (docs/benchmarks.md, "Where a speaker's CPU goes"). CELT (restricted low delay) would cost
/// 1.8 ms but pocketsphinx misheard its output ("hey orchestrator" as "then orchestrator"): SILK is the speech codec.
/// The speaker grain decodes the packets at 16 kHz. A frame that is quiet (<see cref="IsQuiet"/>: an open microphone
/// between phrases, noise suppression on, a muted track) is not encoded at all but sent as Discord's Opus silence
/// frame, which the speaker grain plays as silence without decoding; encoder and decoder both skip it, so their states
/// stay in step.
/// </summary>
public static class SpeechOpus
{
    /// <summary>Peak sample magnitude up to which a frame is quiet: 16 of 32768, -66 dBFS, far below speech (the segmenter's threshold is -45 dBFS).</summary>
    public const int QuietPeak = 16;

    /// <summary>Sample rate of the PCM the encoder takes (16 kHz).</summary>
    public const int SampleRate = AudioFormat.SpeechSampleRate;

    /// <summary>libopus encoder complexity (0-10).</summary>
    public const int Complexity = 5;

    /// <summary>Target bitrate in bit/s (SILK wideband; libopus would pick about 17 kbit/s by itself).</summary>
    public const int Bitrate = 24_000;

    /// <summary>Discord's Opus silence frame <c>F8 FF FE</c>, as a new array.</summary>
    public static byte[] SilencePacket() => [0xF8, 0xFF, 0xFE];

    /// <summary>True when no sample of <paramref name="frame"/> exceeds <see cref="QuietPeak"/> in magnitude.</summary>
    public static bool IsQuiet(ReadOnlySpan<short> frame) => !frame.ContainsAnyExceptInRange((short)-QuietPeak, (short)QuietPeak);

    /// <summary>A mono 16 kHz VoIP encoder at <see cref="Complexity"/> and <see cref="Bitrate"/>; the caller disposes it.</summary>
    public static OpusEncoder CreateEncoder()
    {
        var encoder = new OpusEncoder(SampleRate, 1, OpusApplication.Voip);
        try
        {
            encoder.Complexity = Complexity;
            encoder.Bitrate = Bitrate;
            return encoder;
        }
        catch
        {
            encoder.Dispose();
            throw;
        }
    }
}
