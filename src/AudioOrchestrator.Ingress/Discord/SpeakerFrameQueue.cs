using System.Threading.Channels;
using AudioOrchestrator.Contracts;
using AudioOrchestrator.Ingress.Streams;
using Microsoft.Extensions.Logging;
using Orleans.Streams;

namespace AudioOrchestrator.Ingress.Discord;

/// <summary>
/// One Discord user's received frames on their way to the speaker's audio-in stream: a bounded queue (oldest dropped
/// and counted, so a slow stream never stalls the UDP receive thread) and a pump that publishes
/// <see cref="OpusFrameBatch"/> events of up to <c>FramesPerEvent</c> frames with consecutive RTP sequence numbers.
/// A gap or a reordering starts a new batch, so <see cref="OpusFrameBatch.FirstSequence"/> (the RTP sequence of the
/// first frame) lets the speaker see losses.
/// </summary>
internal sealed partial class SpeakerFrameQueue : IAsyncDisposable
{
    private readonly Channel<ReceivedFrame> _frames;
    private readonly IAsyncStream<SpeakerStreamEvent> _stream;
    private readonly int _framesPerEvent;
    private readonly TimeSpan _batchWait;
    private readonly TimeProvider _time;
    private readonly DiscordIngressMetrics _metrics;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _pump;

    public SpeakerFrameQueue(
        SpeakerRef speaker,
        SpeakerAudioPublisher publisher,
        int capacity,
        int framesPerEvent,
        TimeSpan batchWait,
        TimeProvider time,
        DiscordIngressMetrics metrics,
        ILogger logger)
    {
        Speaker = speaker;
        _stream = publisher.GetStream(speaker);
        _framesPerEvent = framesPerEvent;
        _batchWait = batchWait;
        _time = time;
        _metrics = metrics;
        _logger = logger;
        _frames = Channel.CreateBounded<ReceivedFrame>(
            new BoundedChannelOptions(capacity) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true, SingleWriter = true },
            _ => metrics.Dropped());
        _pump = Task.Run(PumpAsync, CancellationToken.None);
    }

    public SpeakerRef Speaker { get; }

    /// <summary>Queues a copy of the frame (called on the UDP receive thread).</summary>
    public void Enqueue(ushort sequence, ReadOnlySpan<byte> opus) =>
        _frames.Writer.TryWrite(new ReceivedFrame(sequence, opus.ToArray(), _time.GetUtcNow()));

    public async ValueTask DisposeAsync()
    {
        _frames.Writer.TryComplete();
        await _stop.CancelAsync().ConfigureAwait(false);
        await _pump.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        _stop.Dispose();
    }

    private async Task PumpAsync()
    {
        var reader = _frames.Reader;
        var token = _stop.Token;
        var batch = new List<byte[]>(_framesPerEvent);
        try
        {
            while (await reader.WaitToReadAsync(token).ConfigureAwait(false))
            {
                if (!reader.TryRead(out var first))
                {
                    continue;
                }

                batch.Clear();
                batch.Add(first.Opus);
                var last = first.Sequence;
                var deadline = _time.GetTimestamp();
                while (batch.Count < _framesPerEvent)
                {
                    if (reader.TryPeek(out var next))
                    {
                        if (next.Sequence != (ushort)(last + 1))
                        {
                            break; // a gap or a late packet: the next batch starts there
                        }

                        reader.TryRead(out _);
                        batch.Add(next.Opus);
                        last = next.Sequence;
                        continue;
                    }

                    var remaining = _batchWait - _time.GetElapsedTime(deadline);
                    if (remaining <= TimeSpan.Zero || !await WaitAsync(reader, remaining, token).ConfigureAwait(false))
                    {
                        break;
                    }
                }

                await PublishAsync(new OpusFrameBatch(first.Sequence, [.. batch], first.ReceivedAt)).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
            // Stopped.
        }
    }

    private async Task<bool> WaitAsync(ChannelReader<ReceivedFrame> reader, TimeSpan timeout, CancellationToken token)
    {
        using var timeoutCts = CancellationTokenSource.CreateLinkedTokenSource(token);
        timeoutCts.CancelAfter(timeout);
        try
        {
            return await reader.WaitToReadAsync(timeoutCts.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!token.IsCancellationRequested)
        {
            return false;
        }
    }

    private async Task PublishAsync(OpusFrameBatch batch)
    {
        try
        {
            await _stream.OnNextAsync(batch).ConfigureAwait(false);
            _metrics.Published();
        }
#pragma warning disable CA1031 // A failed publish loses this batch only; the speaker's next batches still flow.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            _metrics.PublishFailures.Add(1);
            LogPublishFailed(ex, Speaker.StreamKey, batch.Frames.Length);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not publish {Frames} frames to {StreamKey}")]
    private partial void LogPublishFailed(Exception exception, string streamKey, int frames);

    private readonly record struct ReceivedFrame(ushort Sequence, byte[] Opus, DateTimeOffset ReceivedAt);
}
