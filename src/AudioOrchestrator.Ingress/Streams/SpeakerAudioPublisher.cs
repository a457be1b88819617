using AudioOrchestrator.Contracts;
using Microsoft.Extensions.Options;
using Orleans.BroadcastChannel;

namespace AudioOrchestrator.Ingress.Streams;

/// <summary>
/// Pushes a speaker's Opus frames, batched, onto the speaker's audio-in channel: each publish is a direct call to the
/// speaker grain and returns once the grain queued the batch (it handles it later, in order), so awaiting each publish
/// keeps the frames in order without waiting for speech-to-text. A publish that met a departed silo, or got no answer
/// within <see cref="IngressOptions.ClusterCallTimeout"/>, is made again (<see cref="ClusterCallRetry"/>; a batch
/// delivered twice is dropped by the speaker's jitter buffer by its sequence numbers), marked
/// <see cref="OpusFrameBatch.SentAgain"/> so a new activation that gets an upload's rest knows its part was likely lost.
/// </summary>
public sealed class SpeakerAudioPublisher(IClusterClient client, IOptions<IngressOptions> options, TimeProvider clock) : ISpeakerAudioWriters
{
    public IBroadcastChannelWriter<SpeakerStreamEvent> GetWriter(SpeakerRef speaker)
    {
        ArgumentNullException.ThrowIfNull(speaker);
        return client.GetBroadcastChannelProvider(StreamNames.Provider)
            .GetChannelWriter<SpeakerStreamEvent>(ChannelId.Create(StreamNames.AudioIn, speaker.StreamKey));
    }

    /// <summary>
    /// Publishes all packets as fast as the speaker takes them; the last batch ends the input
    /// (<see cref="OpusFrameBatch.EndsInput"/>). An input that stops before its last batch (the client went away, a
    /// failure) is ended by a <see cref="SpeakerInputEnded"/> of its own.
    /// </summary>
    public async Task PublishInputAsync(
        SpeakerRef speaker, IReadOnlyList<byte[]> packets, string correlationId, string? traceParent, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(packets);
        var writer = GetWriter(speaker);
        var batchSize = options.Value.FramesPerEvent;
        var capturedAt = clock.GetUtcNow();
        var attemptTimeout = options.Value.ClusterCallTimeout;
        var published = 0L;
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

                var last = first + count == packets.Count;
                var batch = new OpusFrameBatch(first, frames, capturedAt, EndsInput: last) { CorrelationId = correlationId, TraceParent = traceParent };
                await ClusterCallRetry.RunAsync(attempt => writer.Publish(attempt == 1 ? batch : batch with { SentAgain = true }), attemptTimeout, clock, cancellationToken);
                published += count;
            }
        }
        finally
        {
            if (published < packets.Count || packets.Count == 0)
            {
                // Always close the input, even when the client went away half-way: the speaker releases its state.
                var ended = new SpeakerInputEnded(clock.GetUtcNow(), published) { CorrelationId = correlationId, TraceParent = traceParent };
                await ClusterCallRetry.RunAsync(() => writer.Publish(ended), attemptTimeout, clock, CancellationToken.None);
            }
        }
    }
}
