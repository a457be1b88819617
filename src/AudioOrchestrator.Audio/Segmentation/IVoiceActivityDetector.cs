namespace AudioOrchestrator.Audio;

/// <summary>Classifies one 20 ms mono frame as speech or not. Implementations may keep per-stream state.</summary>
public interface IVoiceActivityDetector
{
    bool IsSpeech(ReadOnlySpan<short> frame);
}
