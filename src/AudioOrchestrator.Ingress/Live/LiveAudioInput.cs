using AudioOrchestrator.Audio;
using AudioOrchestrator.Ingress.Streams;
using Microsoft.Extensions.Logging;

namespace AudioOrchestrator.Ingress.Live;

/// <summary>
/// The audio-in side of a live socket: each accepted binary message becomes 20 ms 48 kHz mono Opus frames (pcm16 through
/// <see cref="PcmOpusFramer"/>; an opus message is already one), which are rate-guarded like a Discord speaker's
/// (<see cref="InputRateGuard"/>: faster than real time beyond a burst, the oldest are dropped and counted) and queued
/// on the speaker's bounded <see cref="SpeakerFrameQueue"/>, which publishes them to the speaker's audio-in stream as a
/// live input (no correlation id, received time as <c>CapturedAt</c>).
/// </summary>
public sealed class LiveAudioInput : IAsyncDisposable
{
    private readonly LiveAudioFormat _format;
    private readonly SpeakerFrameQueue _queue;
    private readonly InputRateGuard _rateGuard = new(new UtteranceDecoderOptions());
    private readonly PcmOpusFramer? _framer;
    private readonly TimeProvider _time;
    private readonly LiveVoiceMetrics _metrics;
    private ushort _sequence;

    public LiveAudioInput(LiveVoiceRequest request, SpeakerAudioPublisher publisher, LiveVoiceOptions options, int framesPerEvent, TimeProvider time, LiveVoiceMetrics metrics, ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(options);
        _format = request.Format;
        _time = time;
        _metrics = metrics;
        _framer = _format.IsOpus ? null : new PcmOpusFramer();
        _queue = new SpeakerFrameQueue(request.Speaker, publisher, options.QueueFrames, framesPerEvent, options.BatchWait, time, metrics, logger);
    }

    /// <summary>Frames dropped by the rate guard since the socket opened.</summary>
    public long RateLimited { get; private set; }

    /// <summary>Takes one accepted binary message; returns how many frames the rate guard dropped (0 normally).</summary>
    public int Accept(ReadOnlySpan<byte> message)
    {
        IReadOnlyList<byte[]> frames = _framer is null ? [message.ToArray()] : _framer.Push(message);
        if (frames.Count == 0)
        {
            return 0;
        }

        _metrics.FramesReceived.Add(frames.Count);
        var dropped = _rateGuard.Admit(frames.Count, _time.GetUtcNow());
        if (dropped > 0)
        {
            RateLimited += dropped;
            _metrics.Dropped(dropped, "rateLimited");
            _sequence += (ushort)dropped; // the speaker sees the gap
        }

        for (var i = dropped; i < frames.Count; i++)
        {
            _queue.Enqueue(_sequence++, frames[i]);
        }

        return dropped;
    }

    /// <summary>The client released push-to-talk: the speaker closes the open utterance after the frames queued so far.</summary>
    public void EndOfSpeech() => _queue.EnqueueEnd();

    public async ValueTask DisposeAsync()
    {
        await _queue.DisposeAsync().ConfigureAwait(false);
        _framer?.Dispose();
    }
}
