using System.ComponentModel.DataAnnotations;
using AudioOrchestrator.Audio;

namespace AudioOrchestrator.Grains.Speakers;

/// <summary>Per-speaker audio processing. Section <c>Speaker</c>.</summary>
public sealed class SpeakerOptions
{
    public const string SectionName = "Speaker";

    /// <summary>Utterance segmentation (energy detector; Silero replaces it later).</summary>
    public UtteranceSegmenterOptions Segmenter { get; set; } = new();

    /// <summary>Independent inputs (live + uploads) one speaker may have open at once.</summary>
    [Range(1, 64)]
    public int MaxConcurrentInputs { get; set; } = 8;
}
