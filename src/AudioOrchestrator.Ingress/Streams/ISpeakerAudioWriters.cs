using AudioOrchestrator.Contracts;
using Orleans.BroadcastChannel;

namespace AudioOrchestrator.Ingress.Streams;

/// <summary>Where speakers' frames go: the writer of each speaker's audio-in channel (<see cref="SpeakerAudioPublisher"/>).</summary>
public interface ISpeakerAudioWriters
{
    /// <summary>The speaker's audio-in writer; a publish returns once the speaker grain took the item.</summary>
    IBroadcastChannelWriter<SpeakerStreamEvent> GetWriter(SpeakerRef speaker);
}
