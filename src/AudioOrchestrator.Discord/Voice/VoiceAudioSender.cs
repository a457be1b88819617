using System.Buffers;
using System.Diagnostics;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Threading.Channels;
using AudioOrchestrator.Dave.Frames;
using AudioOrchestrator.Discord.Voice.Crypto;
using AudioOrchestrator.Discord.Voice.Pacing;
using AudioOrchestrator.Discord.Voice.Udp;
using Microsoft.Extensions.Logging;

namespace AudioOrchestrator.Discord.Voice;

/// <summary>
/// The paced send path of a voice connection: one 20 ms Opus frame per packet on absolute deadlines from a start
/// timestamp (no drift), DAVE then transport encryption, RTP sequence +1 and timestamp +960 per packet from random
/// starts (the timestamp skipping the samples of a pause), silence frames and Speaking 0 at a pause, waiting for late
/// frames mid-sentence. With the system clock the waits run on a <see cref="PacingThread"/>; otherwise on the
/// <see cref="TimeProvider"/>'s timers. One playback at a time.
/// </summary>
internal sealed partial class VoiceAudioSender : IDisposable
{
    private static readonly TimeSpan FrameDuration = TimeSpan.FromMilliseconds(20);
    private const uint SamplesPerFrame = 960;

    private readonly VoiceUdpTransport _transport;
    private readonly VoiceDaveChannel? _dave;
    private readonly VoiceConnectionOptions _options;
    private readonly VoiceConnectionStatistics _statistics;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly string _pacerName;
    private readonly Func<bool, CancellationToken, Task> _sendSpeaking;
    private readonly SemaphoreSlim _playLock = new(1, 1);
    private PacingThread? _pacer;
    private long _lastSentTimestamp;
    private ushort _rtpSequence;
    private uint _rtpTimestamp;
    private bool _speaking;

    /// <summary>
    /// A sender over <paramref name="transport"/>, encrypting with <paramref name="dave"/> (null when DAVE is off);
    /// <paramref name="sendSpeaking"/> sends Speaking (op 5); <paramref name="pacerName"/> names the pacing thread.
    /// </summary>
    public VoiceAudioSender(
        VoiceUdpTransport transport,
        VoiceDaveChannel? dave,
        VoiceConnectionOptions options,
        VoiceConnectionStatistics statistics,
        TimeProvider time,
        ILogger logger,
        string pacerName,
        Func<bool, CancellationToken, Task> sendSpeaking)
    {
        _transport = transport;
        _dave = dave;
        _options = options;
        _statistics = statistics;
        _time = time;
        _logger = logger;
        _pacerName = pacerName;
        _sendSpeaking = sendSpeaking;
        _rtpSequence = (ushort)RandomNumberGenerator.GetInt32(ushort.MaxValue + 1);
        _rtpTimestamp = (uint)RandomNumberGenerator.GetInt32(int.MaxValue);
    }

    /// <summary>Sends Speaking (op 5) and remembers it.</summary>
    public async Task SetSpeakingAsync(bool speaking, CancellationToken cancellationToken)
    {
        _speaking = speaking;
        await _sendSpeaking(speaking, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Plays <paramref name="frames"/> until it completes (see <see cref="DiscordVoiceConnection.PlayAsync(ChannelReader{ReadOnlyMemory{byte}}, Func{bool}?, CancellationToken)"/>).
    /// </summary>
    public async Task PlayAsync(ChannelReader<ReadOnlyMemory<byte>> frames, Func<bool>? moreFramesExpected, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(frames);
        await _playLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        var packet = ArrayPool<byte>.Shared.Rent(VoiceTransportCipher.MaxPacketSize);
        var daveBuffer = ArrayPool<byte>.Shared.Rent(VoiceTransportCipher.MaxPacketSize);
        try
        {
            while (await frames.WaitToReadAsync(cancellationToken).ConfigureAwait(false))
            {
                if (!_speaking)
                {
                    await SetSpeakingAsync(true, cancellationToken).ConfigureAwait(false);
                }

                var start = _time.GetTimestamp();
                if (_lastSentTimestamp != 0)
                {
                    // After a pause the RTP clock keeps running: skip the samples of the silent gap.
                    var gapFrames = (long)(_time.GetElapsedTime(_lastSentTimestamp, start) / FrameDuration) - 1;
                    if (gapFrames > 0)
                    {
                        _rtpTimestamp += (uint)(Math.Min(gapFrames, int.MaxValue / SamplesPerFrame) * SamplesPerFrame);
                    }
                }

                long index = 0;
                var silenceLeft = _options.SilenceFramesOnPause;
                while (true)
                {
                    await WaitUntilAsync(start, index * FrameDuration, cancellationToken).ConfigureAwait(false);
                    _statistics.RecordSendLateness(_time.GetElapsedTime(start) - (index * FrameDuration));
                    if (frames.TryRead(out var frame))
                    {
                        silenceLeft = _options.SilenceFramesOnPause;
                        await SendFrameAsync(frame, packet, daveBuffer, cancellationToken).ConfigureAwait(false);
                    }
                    else if (moreFramesExpected?.Invoke() == true && await WaitForLateFrameAsync(frames, moreFramesExpected, cancellationToken).ConfigureAwait(false))
                    {
                        // The rest of the sentence arrived late (a busy host): it continues now, paced from here.
                        _statistics.CountLateFrameWait();
                        start = _time.GetTimestamp() - (long)(index * FrameDuration.TotalSeconds * _time.TimestampFrequency);
                        continue;
                    }
                    else if (silenceLeft > 0)
                    {
                        silenceLeft--;
                        await SendFrameAsync(OpusSilence.Frame.ToArray(), packet, daveBuffer, cancellationToken).ConfigureAwait(false);
                    }
                    else
                    {
                        break;
                    }

                    index++;
                }

                // The stream paused (its silence frames are out): say so, as Discord clients do; Speaking goes on again
                // with the next frame.
                await SetSpeakingAsync(false, cancellationToken).ConfigureAwait(false);
            }

            if (_speaking)
            {
                await SetSpeakingAsync(false, cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(packet);
            ArrayPool<byte>.Shared.Return(daveBuffer);
            _playLock.Release();
        }
    }

    public void Dispose()
    {
        // The play lock is not disposed: a PlayAsync still unwinding when the connection is disposed (a service
        // shutting down mid-answer) releases it in its finally block. A SemaphoreSlim whose wait handle is never asked
        // for holds nothing to release.
        _pacer?.Dispose();
    }

    /// <summary>Waits for a late frame while the source still expects one; false when it gave up (a pause after all).</summary>
    private async Task<bool> WaitForLateFrameAsync(ChannelReader<ReadOnlyMemory<byte>> frames, Func<bool> moreFramesExpected, CancellationToken cancellationToken)
    {
        var waitingSince = _time.GetTimestamp();
        while (true)
        {
            // Short slices: a pause or an interruption (the source stops expecting frames) is noticed within one frame.
            using var slice = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            slice.CancelAfter(FrameDuration);
            try
            {
                return await frames.WaitToReadAsync(slice.Token).ConfigureAwait(false); // false: the source completed
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                // Nothing yet.
            }

            if (!moreFramesExpected() || _time.GetElapsedTime(waitingSince) >= _options.LateFrameWait)
            {
                return false;
            }
        }
    }

    private async Task WaitUntilAsync(long start, TimeSpan offset, CancellationToken cancellationToken)
    {
        // Absolute deadlines from one start timestamp: a late wake-up never shifts later frames.
        var remaining = offset - _time.GetElapsedTime(start);
        if (remaining <= TimeSpan.Zero)
        {
            return;
        }

        if (ReferenceEquals(_time, TimeProvider.System))
        {
            // The real clock: wake on the connection's own pacing thread, not through the timer queue and thread pool.
            _pacer ??= new PacingThread(_pacerName);
            await _pacer.WaitUntilAsync(start + (long)(offset.TotalSeconds * Stopwatch.Frequency), cancellationToken).ConfigureAwait(false);
        }
        else
        {
            await Task.Delay(remaining, _time, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task SendFrameAsync(ReadOnlyMemory<byte> opus, byte[] packet, byte[] daveBuffer, CancellationToken cancellationToken)
    {
        var cipher = _transport.Cipher;
        var udp = _transport.Socket;
        if (cipher is null || udp is null)
        {
            _statistics.CountSendDropped();
            return;
        }

        ReadOnlyMemory<byte> payload = opus;
        if (_dave is not null)
        {
            var result = _dave.Encrypt(opus.Span, daveBuffer, out var written);
            if (result is not (FrameEncryptResult.Encrypted or FrameEncryptResult.Passthrough))
            {
                _statistics.CountSendDropped();
                return;
            }

            payload = daveBuffer.AsMemory(0, written);
        }

        var length = cipher.Seal(new RtpHeader(_rtpSequence, _rtpTimestamp, _transport.Ssrc), payload.Span, packet);
        _rtpSequence++;
        _rtpTimestamp += SamplesPerFrame;
        _lastSentTimestamp = _time.GetTimestamp();
        try
        {
            await udp.SendAsync(packet.AsMemory(0, length), SocketFlags.None, cancellationToken).ConfigureAwait(false);
            _statistics.CountSent();
        }
        catch (SocketException ex)
        {
            LogUdpSendFailed(ex.SocketErrorCode);
        }
    }

    [LoggerMessage(EventId = 4213, Level = LogLevel.Debug, Message = "Voice UDP send failed: {Error}")]
    private partial void LogUdpSendFailed(SocketError error);
}
