using System.Collections.Concurrent;
using AudioOrchestrator.Contracts;
using AudioOrchestrator.Ingress.Streams;
using Orleans.BroadcastChannel;

namespace AudioOrchestrator.Ingress.Tests.Support;

/// <summary>
/// Speakers' audio-in writers that record what is published instead of calling the speaker grains; every publish
/// first waits for <see cref="Gate"/> (open by default), so a test can hold the speaker grain "busy".
/// </summary>
internal sealed class RecordingAudioWriters : ISpeakerAudioWriters
{
    public ConcurrentQueue<(SpeakerRef Speaker, SpeakerStreamEvent Item)> Published { get; } = new();

    public Task Gate { get; set; } = Task.CompletedTask;

    public IEnumerable<OpusFrameBatch> BatchesOf(SpeakerRef speaker) =>
        Published.Where(p => p.Speaker == speaker).Select(p => p.Item).OfType<OpusFrameBatch>();

    public IBroadcastChannelWriter<SpeakerStreamEvent> GetWriter(SpeakerRef speaker) => new Writer(this, speaker);

    private sealed class Writer(RecordingAudioWriters owner, SpeakerRef speaker) : IBroadcastChannelWriter<SpeakerStreamEvent>
    {
        public async Task Publish(SpeakerStreamEvent item)
        {
            await owner.Gate;
            owner.Published.Enqueue((speaker, item));
        }
    }
}
