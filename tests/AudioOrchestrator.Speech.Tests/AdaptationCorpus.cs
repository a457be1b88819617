namespace AudioOrchestrator.Speech.Tests;

/// <summary>
/// The enrolment sentences (<see cref="EnrolmentPrompts"/>): phonetically varied English, read by espeak-ng at test
/// time to adapt the acoustic model to that voice (<see cref="SpeakerAdaptation"/>), as a deployment would have its
/// users or microphones read them.
/// They share no content word with the phrases the tests evaluate (no "hello", "world", "echo", "time", "help",
/// "orchestrator", "good", "morning", ...); a test checks that.
/// </summary>
internal static class AdaptationCorpus
{
    /// <summary>Speaking rates (words per minute) each sentence is read at.</summary>
    public static IReadOnlyList<int> Rates => AudioOrchestrator.Testing.EspeakVoiceEnrolment.Rates;

    /// <summary>The library's standard enrolment prompts.</summary>
    public static IReadOnlyList<string> Sentences => EnrolmentPrompts.Sentences;
}
