using System.ComponentModel.DataAnnotations;

namespace AudioOrchestrator.Silo.Hosting;

/// <summary>Which speech engines answer. Section <c>Speech</c>.</summary>
public sealed class SpeechEngineOptions
{
    public const string SectionName = "Speech";

    /// <summary><c>Embedded</c>: pocketsphinx. (Cloud providers come with their own issue.)</summary>
    [AllowedValues("Embedded")]
    public string SpeechToText { get; set; } = "Embedded";

    /// <summary><c>Embedded</c>: espeak-ng.</summary>
    [AllowedValues("Embedded")]
    public string TextToSpeech { get; set; } = "Embedded";
}
