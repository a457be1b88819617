using AudioOrchestrator.Contracts;
using Microsoft.Extensions.Options;
using Orleans.Streams;

namespace AudioOrchestrator.Ingress.Streams;

/// <summary>Pushes a speaker's Opus frames, batched, onto the speaker's audio-in stream.</summary>
public sealed class SpeakerAudioPublisher(IClusterClient client, IOptions<IngressOptions> options, TimeProvider clock)
{
    public IAsyncStream<SpeakerStreamEvent> GetStream(SpeakerRef speaker)
    {
        ArgumentNullException.ThrowIfNull(speaker);
        return client.GetStreamProvider(StreamNames.Provider)
            .GetStream<SpeakerStreamEvent>(StreamId.Create(StreamNames.AudioIn, speaker.StreamKey));
    }

    /// <summary>Publishes all packets as fast as the stream takes them, then marks the input as ended.</summary>
    public async Task PublishInputAsync(
        SpeakerRef speaker, IReadOnlyList<byte[]> packets, string correlationId, string? traceParent, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(packets);
        var stream = GetStream(speaker);
        var batchSize = options.Value.FramesPerEvent;
        var capturedAt = clock.GetUtcNow();
        try
        {
            for (var first = 0; first < packets.Count; first += batchSize)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var count = Math.Min(batchSize, packets.Count - first);
                var frames = new byte[count][];
                for (var i = 0; i < count; i++)
                {
                    frames[i] = packets[first + i];
                }

                await stream.OnNextAsync(new OpusFrameBatch(first, frames, capturedAt) { CorrelationId = correlationId, TraceParent = traceParent });
            }
        }
        finally
        {
            // Always close the input, even when the client went away half-way: the speaker releases its state.
            await stream.OnNextAsync(new SpeakerInputEnded(clock.GetUtcNow()) { CorrelationId = correlationId, TraceParent = traceParent });
        }
    }
}
