using System.Collections.Concurrent;
using System.Net.Sockets;
using System.Threading.Channels;
using AudioOrchestrator.Dave.Frames;
using AudioOrchestrator.Discord.Voice.Crypto;
using Microsoft.Extensions.Logging;

namespace AudioOrchestrator.Discord.Voice;

/// <summary>
/// The receive path of a voice connection: the UDP receive loop and, per datagram, transport decryption (with the
/// transport's current cipher), SSRC → user (mapped from op 5, unmapped on op 13; unmapped SSRCs are counted and
/// dropped), DAVE decryption, then the <see cref="FrameSink"/> (allocation-free) or <see cref="Frames"/>.
/// Bad packets are counted in the statistics, never thrown.
/// </summary>
internal sealed partial class VoiceUdpReceiver
{
    private readonly VoiceUdpTransport _transport;
    private readonly VoiceDaveChannel? _dave;
    private readonly VoiceConnectionStatistics _statistics;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<uint, ulong> _ssrcToUser = new();
    private readonly Channel<VoiceReceivedFrame> _frames;

    /// <summary>
    /// A receiver over <paramref name="transport"/>, decrypting DAVE frames with <paramref name="dave"/> (null when DAVE
    /// is off); <see cref="Frames"/> keeps up to <paramref name="queueCapacity"/> frames, dropping the oldest beyond.
    /// </summary>
    public VoiceUdpReceiver(VoiceUdpTransport transport, VoiceDaveChannel? dave, VoiceConnectionStatistics statistics, int queueCapacity, ILogger logger)
    {
        _transport = transport;
        _dave = dave;
        _statistics = statistics;
        _logger = logger;
        _frames = Channel.CreateBounded<VoiceReceivedFrame>(
            new BoundedChannelOptions(queueCapacity) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = false, SingleWriter = true },
            _ => statistics.CountDropped());
    }

    /// <summary>When set, frames go to this sink on the receive thread instead of <see cref="Frames"/>.</summary>
    public IVoiceFrameSink? FrameSink { get; set; }

    /// <summary>Received frames, unless <see cref="FrameSink"/> is set.</summary>
    public ChannelReader<VoiceReceivedFrame> Frames => _frames.Reader;

    /// <summary>SSRC → user as announced by op 5.</summary>
    public IReadOnlyDictionary<uint, ulong> SsrcToUser => _ssrcToUser;

    /// <summary>The receive loop (completed when not started).</summary>
    public Task Receiving { get; private set; } = Task.CompletedTask;

    /// <summary>Speaking (op 5): packets of <paramref name="ssrc"/> are <paramref name="userId"/>'s.</summary>
    public void Map(uint ssrc, ulong userId) => _ssrcToUser[ssrc] = userId;

    /// <summary>Client Disconnect (op 13): the SSRCs of <paramref name="userId"/> are forgotten.</summary>
    public void Unmap(ulong userId)
    {
        foreach (var pair in _ssrcToUser.Where(p => p.Value == userId).ToArray())
        {
            _ssrcToUser.TryRemove(pair);
        }
    }

    /// <summary>Ends <see cref="Frames"/> (the connection is over).</summary>
    public void CompleteFrames() => _frames.Writer.TryComplete();

    /// <summary>Starts receiving on the transport's socket until <paramref name="cancellationToken"/> or the socket closes.</summary>
    public void StartReceiving(CancellationToken cancellationToken) =>
        Receiving = Task.Run(() => ReceiveLoopAsync(_transport.Socket!, cancellationToken), CancellationToken.None);

    /// <summary>
    /// The receive path of one datagram: transport decryption, SSRC → user, DAVE decryption, delivery.
    /// <paramref name="plain"/> and <paramref name="frame"/> are scratch buffers of <see cref="VoiceTransportCipher.MaxPacketSize"/>.
    /// </summary>
    public void ProcessPacket(ReadOnlySpan<byte> packet, byte[] plain, byte[] frame)
    {
        var cipher = _transport.Cipher;
        if (cipher is null)
        {
            return;
        }

        var result = cipher.Open(packet, plain, out var opened);
        _statistics.CountReceive(result);
        if (result != RtpReceiveResult.Ok)
        {
            LogPacketRejected(result);
            return;
        }

        if (!_ssrcToUser.TryGetValue(opened.Header.Ssrc, out var userId))
        {
            _statistics.CountUnknownSsrc();
            return;
        }

        ReadOnlySpan<byte> opus = plain.AsSpan(opened.PayloadOffset, opened.PayloadLength);
        if (_dave is not null)
        {
            var daveResult = _dave.Decrypt(userId, opus, frame, out var written);
            if (daveResult is not (FrameDecryptResult.Decrypted or FrameDecryptResult.Passthrough))
            {
                _statistics.CountDaveFailure();
                LogDaveFrameRejected(daveResult);
                return;
            }

            opus = frame.AsSpan(0, written);
        }

        if (FrameSink is { } sink)
        {
            sink.OnFrame(userId, opened.Header, opus);
            _statistics.CountDelivered();
            return;
        }

        if (_frames.Writer.TryWrite(new VoiceReceivedFrame(userId, opened.Header.Ssrc, opened.Header.Sequence, opened.Header.Timestamp, opus.ToArray())))
        {
            _statistics.CountDelivered();
        }
    }

    private async Task ReceiveLoopAsync(Socket udp, CancellationToken cancellationToken)
    {
        var packet = GC.AllocateArray<byte>(VoiceTransportCipher.MaxPacketSize + 1, pinned: true);
        var plain = GC.AllocateArray<byte>(VoiceTransportCipher.MaxPacketSize, pinned: true);
        var frame = GC.AllocateArray<byte>(VoiceTransportCipher.MaxPacketSize, pinned: true);
        while (!cancellationToken.IsCancellationRequested)
        {
            int n;
            try
            {
                n = await udp.ReceiveAsync(packet, SocketFlags.None, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                break;
            }
            catch (ObjectDisposedException)
            {
                break;
            }
            catch (SocketException ex) when (ex.SocketErrorCode == SocketError.MessageSize)
            {
                _statistics.CountReceive(RtpReceiveResult.Oversized);
                continue;
            }
            catch (SocketException ex) when (ex.SocketErrorCode is SocketError.ConnectionReset or SocketError.ConnectionRefused)
            {
                // ICMP unreachable from an earlier send: not a packet.
                continue;
            }

            ProcessPacket(packet.AsSpan(0, n), plain, frame);
        }
    }

    [LoggerMessage(EventId = 4211, Level = LogLevel.Trace, Message = "Voice packet rejected: {Result}")]
    private partial void LogPacketRejected(RtpReceiveResult result);

    [LoggerMessage(EventId = 4212, Level = LogLevel.Trace, Message = "Voice frame rejected by DAVE: {Result}")]
    private partial void LogDaveFrameRejected(FrameDecryptResult result);
}
