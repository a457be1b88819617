using System.ComponentModel.DataAnnotations;

namespace AudioOrchestrator.Grains.Synthesis;

/// <summary>How answers are encoded onto audio-out. Section <c>Synthesis</c>.</summary>
public sealed class SynthesisOptions
{
    public const string SectionName = "Synthesis";

    /// <summary>20 ms Opus frames per audio-out event.</summary>
    [Range(1, 50)]
    public int FramesPerEvent { get; set; } = 5;

    /// <summary>Output channels: 2 for Discord.</summary>
    [Range(1, 2)]
    public int Channels { get; set; } = 2;
}
