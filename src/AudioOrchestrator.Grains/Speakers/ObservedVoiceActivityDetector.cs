using AudioOrchestrator.Audio;

namespace AudioOrchestrator.Grains.Speakers;

/// <summary>Sees every 20 ms frame the segmenter classifies, with its decision, in stream order.</summary>
public interface IFrameObserver
{
    void OnFrame(ReadOnlySpan<short> frame, bool isSpeech);
}

/// <summary>
/// Wraps the segmenter's voice activity detector and reports each frame and decision to an observer (speech onset for
/// barge-in, audio for wake spotting) without a second detector or a second copy of the DSP chain. Disposes the inner
/// detector with itself.
/// </summary>
public sealed class ObservedVoiceActivityDetector(IVoiceActivityDetector inner, IFrameObserver observer) : IVoiceActivityDetector, IDisposable
{
    public bool IsSpeech(ReadOnlySpan<short> frame)
    {
        var isSpeech = inner.IsSpeech(frame);
        observer.OnFrame(frame, isSpeech);
        return isSpeech;
    }

    public void Dispose() => (inner as IDisposable)?.Dispose();
}
