using System.Threading.Channels;
using AudioOrchestrator.Contracts;
using Microsoft.Extensions.Logging;
using Orleans.BroadcastChannel;

namespace AudioOrchestrator.Ingress.Streams;

/// <summary>
/// One live speaker's received frames on their way to the speaker's audio-in channel (a Discord user, a WebSocket
/// client): a bounded queue (oldest dropped and counted, so a slow speaker grain never stalls the receiving thread) and a pump
/// that publishes <see cref="OpusFrameBatch"/> events of up to <c>FramesPerEvent</c> frames with consecutive sequence
/// numbers (16-bit, wrapping like RTP's). A gap or a reordering starts a new batch, so
/// <see cref="OpusFrameBatch.FirstSequence"/> (the sequence of the first frame) lets the speaker see losses.
/// <see cref="CorrelationId"/> stays null: live audio.
/// </summary>
internal sealed partial class SpeakerFrameQueue : IAsyncDisposable
{
    private readonly Channel<ReceivedFrame> _frames;
    private readonly IBroadcastChannelWriter<SpeakerStreamEvent> _writer;
    private readonly int _framesPerEvent;
    private readonly TimeSpan _batchWait;
    private readonly TimeProvider _time;
    private readonly ISpeakerFrameQueueMetrics _metrics;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _pump;
    private CancellationTokenSource? _wait; // the pump's batch wait (only the pump touches it)

    public SpeakerFrameQueue(
        SpeakerRef speaker,
        ISpeakerAudioWriters publisher,
        int capacity,
        int framesPerEvent,
        TimeSpan batchWait,
        TimeProvider time,
        ISpeakerFrameQueueMetrics metrics,
        ILogger logger)
    {
        Speaker = speaker;
        _writer = publisher.GetWriter(speaker);
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

    /// <summary>Queues a copy of the frame (called on the receiving thread).</summary>
    public void Enqueue(ushort sequence, ReadOnlySpan<byte> opus) =>
        _frames.Writer.TryWrite(new ReceivedFrame(sequence, opus.ToArray(), _time.GetUtcNow()));

    /// <summary>
    /// Queues the end of what the speaker said (push-to-talk released): after the frames queued before it, the speaker's
    /// stream gets <see cref="SpeakerInputEnded"/> (live, no correlation id), which closes the open utterance at once.
    /// </summary>
    public void EnqueueEnd() => _frames.Writer.TryWrite(new ReceivedFrame(0, null, _time.GetUtcNow()));

    public async ValueTask DisposeAsync()
    {
        _frames.Writer.TryComplete();
        await _stop.CancelAsync().ConfigureAwait(false);
        await _pump.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        _wait?.Dispose();
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

                if (first.Opus is null)
                {
                    await PublishAsync(new SpeakerInputEnded(first.ReceivedAt)).ConfigureAwait(false);
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
                        if (next.Opus is null || next.Sequence != (ushort)(last + 1))
                        {
                            break; // a gap or a late packet: the next batch starts there
                        }

                        reader.TryRead(out _);
                        batch.Add(next.Opus!);
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

    /// <summary>
    /// Waits up to <paramref name="timeout"/> for the next frame. One timeout source serves every wait while none
    /// expires (reset, not made anew: a batch waits up to three times, 50 times a second per speaker).
    /// </summary>
    private async Task<bool> WaitAsync(ChannelReader<ReceivedFrame> reader, TimeSpan timeout, CancellationToken token)
    {
        if (_wait is null || !_wait.TryReset())
        {
            _wait?.Dispose();
            _wait = CancellationTokenSource.CreateLinkedTokenSource(token);
        }

        _wait.CancelAfter(timeout);
        try
        {
            var more = await reader.WaitToReadAsync(_wait.Token).ConfigureAwait(false);
            _wait.CancelAfter(Timeout.InfiniteTimeSpan); // disarmed: the next wait resets it instead of making a new one
            return more;
        }
        catch (OperationCanceledException) when (!token.IsCancellationRequested)
        {
            return false;
        }
    }

    private async Task PublishAsync(SpeakerStreamEvent item)
    {
        try
        {
            await _writer.Publish(item).ConfigureAwait(false);
            _metrics.Published();
        }
#pragma warning disable CA1031 // A failed publish loses this batch only; the speaker's next batches still flow.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            _metrics.PublishFailed();
            LogPublishFailed(ex, Speaker.StreamKey, item is OpusFrameBatch batch ? batch.Frames.Length : 0);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not publish {Frames} frames to {StreamKey}")]
    private partial void LogPublishFailed(Exception exception, string streamKey, int frames);

    /// <summary>A received frame; <see cref="Opus"/> null marks the end of the speaker's input.</summary>
    private readonly record struct ReceivedFrame(ushort Sequence, byte[]? Opus, DateTimeOffset ReceivedAt);
}

/// <summary>What a <see cref="SpeakerFrameQueue"/> counts (each transport has its own counters).</summary>
public interface ISpeakerFrameQueueMetrics
{
    /// <summary>A frame was dropped because the queue was full (the oldest).</summary>
    void Dropped();

    /// <summary>A batch was published to the speaker's stream.</summary>
    void Published();

    /// <summary>A batch could not be published (it is lost; later batches still flow).</summary>
    void PublishFailed();
}
