using AudioOrchestrator.Contracts;

namespace AudioOrchestrator.Grains.Conversations;

/// <summary>Where a turn's output goes: the session's audio-out stream and its speech synthesis.</summary>
public interface ITurnSink
{
    /// <summary>Publishes an event on the session's audio-out stream.</summary>
    Task PublishAsync(SessionOutputEvent item);

    /// <summary>Synthesises one sentence and publishes its audio; fails with <see cref="OperationCanceledException"/> when stopped by a barge-in.</summary>
    Task<SynthesisResult> SpeakAsync(SpeechRequest request);
}
