using System.ComponentModel.DataAnnotations;
using AudioOrchestrator.Audio;
using Microsoft.Extensions.Configuration;

namespace AudioOrchestrator.Grains.Speakers;

/// <summary>Per-speaker audio processing. Section <c>Speaker</c>.</summary>
public sealed class SpeakerOptions
{
    public const string SectionName = "Speaker";

    /// <summary>Utterance segmentation: silence that ends an utterance, pre-roll, forced cut, energy thresholds.</summary>
    public UtteranceSegmenterOptions Segmenter { get; set; } = new() { PreemptiveSilenceMs = 200 };

    /// <summary><c>Silero</c> (Silero VAD v5 on ONNX Runtime, the default) or <c>Energy</c> (level above an adaptive noise floor).</summary>
    [AllowedValues("Silero", "Energy")]
    public string VoiceActivityDetector { get; set; } = "Silero";

    /// <summary>Silero VAD: model file (fetched by scripts/setup.sh), its sha256, thresholds.</summary>
    public SileroVadOptions Silero { get; set; } = new();

    /// <summary>
    /// Packet handling before decoding: jitter buffer (reorder window, concealment), live rate guard, decoder reset
    /// after corrupt packets. Configured as <c>Speaker:FrontEnd</c> (the key operators already use).
    /// </summary>
    [ConfigurationKeyName("FrontEnd")]
    public UtteranceDecoderOptions Decoding { get; set; } = new();

    /// <summary>Independent inputs (live + uploads) one speaker may have open at once.</summary>
    [Range(1, 64)]
    public int MaxConcurrentInputs { get; set; } = 8;

    /// <summary>
    /// Live audio only: a speaker who stops sending packets for this long is treated as silent (Discord clients stop
    /// sending when the user stops talking), so the utterance still ends after the end-of-utterance silence.
    /// </summary>
    [Range(20, 5000)]
    public int PacketGapMs { get; set; } = 100;

    /// <summary>
    /// Live audio only: when the packets stop while the speaker is mid-speech (the last frame heard was speech), they
    /// are late, not silence: a client that stops talking trails off into silence (and Discord clients send silence
    /// frames) before it stops sending. Only a gap this long mid-speech counts as silence (a client that vanished).
    /// </summary>
    [Range(20, 10_000)]
    public int MidSpeechGapMs { get; set; } = 1000;

    /// <summary>An input with a correlation id (an upload) that has sent nothing for this long is abandoned when a new input needs its place.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "01:00:00")]
    public TimeSpan AbandonedInputTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Live audio only: the DSP state of a speaker silent this long is released.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan LiveInputIdleTimeout { get; set; } = TimeSpan.FromSeconds(30);
}
