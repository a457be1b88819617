using AudioOrchestrator.Discord.Voice.Crypto;

namespace AudioOrchestrator.Discord.Voice;

/// <summary>Counters of one voice connection (thread-safe reads and writes).</summary>
public sealed class VoiceConnectionStatistics
{
    private readonly long[] _receiveResults = new long[Enum.GetValues<RtpReceiveResult>().Length];
    private long _unknownSsrc;
    private long _daveDecryptFailures;
    private long _framesDelivered;
    private long _framesDropped;
    private long _packetsSent;
    private long _sendDropped;
    private long _keepAlives;
    private long _resumes;
    private long _malformedMessages;
    private long _lateFrameWaits;
    private readonly SendLatenessHistogram _sendLateness = new();

    /// <summary>Received packets per transport result.</summary>
    public long Received(RtpReceiveResult result) => Interlocked.Read(ref _receiveResults[(int)result]);

    /// <summary>Received packets that failed the transport checks (any result but Ok).</summary>
    public long ReceiveRejected => _receiveResults.Select((_, i) => Interlocked.Read(ref _receiveResults[i])).Sum() - Received(RtpReceiveResult.Ok);

    /// <summary>Opened packets whose SSRC no Speaking (op 5) mapped to a user; dropped.</summary>
    public long UnknownSsrc => Interlocked.Read(ref _unknownSsrc);

    /// <summary>Frames DAVE refused to decrypt; dropped.</summary>
    public long DaveDecryptFailures => Interlocked.Read(ref _daveDecryptFailures);

    /// <summary>Frames handed to <see cref="DiscordVoiceConnection.Frames"/>.</summary>
    public long FramesDelivered => Interlocked.Read(ref _framesDelivered);

    /// <summary>Frames dropped because the reader fell behind.</summary>
    public long FramesDropped => Interlocked.Read(ref _framesDropped);

    /// <summary>RTP packets sent (audio and silence).</summary>
    public long PacketsSent => Interlocked.Read(ref _packetsSent);

    /// <summary>Frames not sent because DAVE had no key yet.</summary>
    public long SendDropped => Interlocked.Read(ref _sendDropped);

    /// <summary>UDP keep-alives sent.</summary>
    public long KeepAlives => Interlocked.Read(ref _keepAlives);

    /// <summary>Successful resumes.</summary>
    public long Resumes => Interlocked.Read(ref _resumes);

    /// <summary>Times the sender waited for a frame that was late mid-sentence (and sent it, instead of a gap of silence).</summary>
    public long LateFrameWaits => Interlocked.Read(ref _lateFrameWaits);

    /// <summary>Voice gateway messages that could not be parsed; ignored.</summary>
    public long MalformedMessages => Interlocked.Read(ref _malformedMessages);

    /// <summary>
    /// How late the paced sender woke for a frame relative to its 20 ms schedule (the send-pacing deviation), as the
    /// <paramref name="percentile"/> (0-100) over every frame sent so far; 0.1 ms resolution.
    /// </summary>
    public TimeSpan SendLatenessPercentile(double percentile) => _sendLateness.Percentile(percentile);

    /// <summary>The latest any frame was sent relative to its schedule.</summary>
    public TimeSpan MaxSendLateness => _sendLateness.Max;

    internal void RecordSendLateness(TimeSpan lateness) => _sendLateness.Record(lateness);

    internal void CountLateFrameWait() => Interlocked.Increment(ref _lateFrameWaits);

    internal void CountReceive(RtpReceiveResult result) => Interlocked.Increment(ref _receiveResults[(int)result]);

    internal void CountUnknownSsrc() => Interlocked.Increment(ref _unknownSsrc);

    internal void CountDaveFailure() => Interlocked.Increment(ref _daveDecryptFailures);

    internal void CountDelivered() => Interlocked.Increment(ref _framesDelivered);

    internal void CountDropped() => Interlocked.Increment(ref _framesDropped);

    internal void CountSent() => Interlocked.Increment(ref _packetsSent);

    internal void CountSendDropped() => Interlocked.Increment(ref _sendDropped);

    internal void CountKeepAlive() => Interlocked.Increment(ref _keepAlives);

    internal void CountResume() => Interlocked.Increment(ref _resumes);

    internal void CountMalformed() => Interlocked.Increment(ref _malformedMessages);
}
