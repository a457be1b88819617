using System.Buffers;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Net.WebSockets;
using System.Security.Cryptography;
using System.Text.Json;
using System.Threading.Channels;
using AudioOrchestrator.Dave.Frames;
using AudioOrchestrator.Dave.Session;
using AudioOrchestrator.Discord.Voice.Crypto;
using AudioOrchestrator.Discord.Voice.Pacing;
using AudioOrchestrator.Discord.Voice.Udp;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace AudioOrchestrator.Discord.Voice;

/// <summary>
/// One voice connection (voice gateway v8 + UDP): Identify, heartbeats with <c>seq_ack</c>, Ready, IP discovery,
/// Select Protocol, Session Description, Speaking, DAVE (ops 21–31) and buffered resume; the receive path
/// (transport decryption, SSRC → user, DAVE decryption → <see cref="Frames"/>) and the paced send path.
/// The connection resumes by itself on resumable closes; otherwise <see cref="Completion"/> tells the caller
/// whether to rejoin (new op 4) or stop.
/// </summary>
public sealed partial class DiscordVoiceConnection : IAsyncDisposable
{
    private static readonly TimeSpan FrameDuration = TimeSpan.FromMilliseconds(20);
    private const uint SamplesPerFrame = 960;

    private readonly VoiceJoinInfo _join;
    private readonly VoiceConnectionOptions _options;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private PacingThread? _pacer;
    private readonly CancellationTokenSource _lifetime = new();
    private readonly SemaphoreSlim _sendLock = new(1, 1);
    private readonly SemaphoreSlim _playLock = new(1, 1);
    private readonly Lock _daveGate = new();
    private readonly ConcurrentDictionary<uint, ulong> _ssrcToUser = new();
    private readonly Channel<VoiceReceivedFrame> _frames;
    private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource<VoiceConnectionEnd> _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly DaveSession? _dave;
    private ClientWebSocket? _socket;
    private Socket? _udp;
    private VoiceTransportCipher? _cipher;
    private Task? _runTask;
    private Task? _udpTask;
    private Task? _keepAliveTask;
    private int _lastSequence = -1;
    private int _resumeAttempts;
    private long _lastSentTimestamp;
    private long _lastHeartbeatNonce;
    private long _lastAckNonce;
    private bool _resuming;
    private ushort _rtpSequence;
    private uint _rtpTimestamp;
    private bool _speaking;

    public DiscordVoiceConnection(VoiceJoinInfo join, VoiceConnectionOptions? options = null, ILogger<DiscordVoiceConnection>? logger = null, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(join);
        _join = join;
        _options = options ?? new VoiceConnectionOptions();
        var validation = new VoiceConnectionOptionsValidator().Validate(null, _options);
        if (validation.Failed)
        {
            throw new ArgumentException(validation.FailureMessage, nameof(options));
        }

        _logger = (ILogger?)logger ?? NullLogger.Instance;
        _time = time ?? TimeProvider.System;
        _frames = Channel.CreateBounded<VoiceReceivedFrame>(
            new BoundedChannelOptions(_options.ReceiveQueueCapacity) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = false, SingleWriter = true },
            _ => Statistics.CountDropped());
        _dave = _options.DaveEnabled ? new DaveSession(join.UserId, join.ChannelId, _time) : null;
        _rtpSequence = (ushort)RandomNumberGenerator.GetInt32(ushort.MaxValue + 1);
        _rtpTimestamp = (uint)RandomNumberGenerator.GetInt32(int.MaxValue);
    }

    /// <summary>
    /// When set (before <see cref="ConnectAsync"/>), received frames go to this sink on the UDP receive thread,
    /// without allocation, instead of <see cref="Frames"/>.
    /// </summary>
    public IVoiceFrameSink? FrameSink { get; set; }

    /// <summary>Received Opus frames (after all decryption), in arrival order, unless <see cref="FrameSink"/> is set.</summary>
    public ChannelReader<VoiceReceivedFrame> Frames => _frames.Reader;

    /// <summary>Ends when the connection is over and not resumable; tells whether to rejoin or stop.</summary>
    public Task<VoiceConnectionEnd> Completion => _completion.Task;

    public VoiceConnectionStatistics Statistics { get; } = new();

    /// <summary>Our SSRC (from Ready).</summary>
    public uint Ssrc { get; private set; }

    /// <summary>The transport mode of the Session Description.</summary>
    public VoiceEncryptionMode? Mode { get; private set; }

    /// <summary>The DAVE protocol version of the Session Description (0 = transport encryption only).</summary>
    public int DaveProtocolVersion { get; private set; }

    /// <summary>The DAVE session (null when DAVE is disabled).</summary>
    public DaveSession? Dave => _dave;

    /// <summary>The external address and port found by IP discovery.</summary>
    public IPEndPoint? ExternalEndpoint { get; private set; }

    /// <summary>Users connected according to op 11 / op 13.</summary>
    public IReadOnlyDictionary<uint, ulong> SsrcToUser => _ssrcToUser;

    /// <summary>True once DAVE media keys are in place for sending (or DAVE is off).</summary>
    public bool CanSendAudio
    {
        get
        {
            if (_dave is null || DaveProtocolVersion == 0)
            {
                return true;
            }

            lock (_daveGate)
            {
                return _dave.Encryptor.Passthrough || _dave.Encryptor.HasKey;
            }
        }
    }

    /// <summary>Connects and completes once Session Description arrived and UDP is ready.</summary>
    public async Task ConnectAsync(CancellationToken cancellationToken = default)
    {
        if (_runTask is not null)
        {
            throw new InvalidOperationException("Already connected.");
        }

        LogConnecting(_join.GuildId, _join.ChannelId, _join.Endpoint);
        await OpenSocketAsync(cancellationToken).ConfigureAwait(false);
        _runTask = Task.Run(RunAsync, CancellationToken.None);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_options.HandshakeTimeout);
        Task first;
        try
        {
            first = await Task.WhenAny(_ready.Task, _completion.Task).WaitAsync(timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"No Session Description within {_options.HandshakeTimeout.TotalSeconds:0.#} s.");
        }

        if (first == _completion.Task)
        {
            var end = await _completion.Task.ConfigureAwait(false);
            throw new VoiceConnectionException(end);
        }
    }

    /// <summary>Sends Speaking (op 5): microphone flag (1) or 0.</summary>
    public async Task SetSpeakingAsync(bool speaking, CancellationToken cancellationToken = default)
    {
        _speaking = speaking;
        await SendJsonAsync(5, w =>
        {
            w.WriteNumber("speaking", speaking ? 1 : 0);
            w.WriteNumber("delay", 0);
            w.WriteNumber("ssrc", Ssrc);
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Plays Opus frames (20 ms each) from <paramref name="frames"/> until it completes: Speaking first, then one
    /// packet per 20 ms on absolute deadlines from a start timestamp (no drift). When no frame is ready at a
    /// deadline the stream has paused: five silence frames are sent, then Speaking 0, and timing restarts with the next
    /// frame.
    /// </summary>
    public Task PlayAsync(ChannelReader<ReadOnlyMemory<byte>> frames, CancellationToken cancellationToken = default) =>
        PlayAsync(frames, moreFramesExpected: null, cancellationToken);

    /// <summary>
    /// Plays as <see cref="PlayAsync(ChannelReader{ReadOnlyMemory{byte}}, CancellationToken)"/>, but a frame missing at
    /// its deadline while <paramref name="moreFramesExpected"/> says the source is in the middle of a sentence is late,
    /// not a pause: the sender waits for it (up to <see cref="VoiceConnectionOptions.LateFrameWait"/>) and goes on from
    /// there, so the sentence reaches listeners whole instead of with a gap of silence in it.
    /// </summary>
    public async Task PlayAsync(ChannelReader<ReadOnlyMemory<byte>> frames, Func<bool>? moreFramesExpected, CancellationToken cancellationToken = default)
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
                    Statistics.RecordSendLateness(_time.GetElapsedTime(start) - (index * FrameDuration));
                    if (frames.TryRead(out var frame))
                    {
                        silenceLeft = _options.SilenceFramesOnPause;
                        await SendFrameAsync(frame, packet, daveBuffer, cancellationToken).ConfigureAwait(false);
                    }
                    else if (moreFramesExpected?.Invoke() == true && await WaitForLateFrameAsync(frames, moreFramesExpected, cancellationToken).ConfigureAwait(false))
                    {
                        // The rest of the sentence arrived late (a busy host): it continues now, paced from here.
                        Statistics.CountLateFrameWait();
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

    /// <summary>Closes the connection normally (1000); <see cref="Completion"/> reports Stop.</summary>
    public async Task DisconnectAsync(CancellationToken cancellationToken = default)
    {
        _completion.TrySetResult(new VoiceConnectionEnd(VoiceCloseAction.Stop, 1000, "Disconnected by us."));
        var socket = _socket;
        await _lifetime.CancelAsync().ConfigureAwait(false);
        if (socket is { State: WebSocketState.Open })
        {
            try
            {
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
                await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "bye", timeout.Token).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or ObjectDisposedException)
            {
                // Already gone.
            }
        }

        socket?.Abort();
    }

    public async ValueTask DisposeAsync()
    {
        await DisconnectAsync().ConfigureAwait(false);
        _udp?.Dispose();
        foreach (var task in new[] { _runTask, _udpTask, _keepAliveTask })
        {
            if (task is not null)
            {
                await task.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }
        }

        _socket?.Dispose();
        _cipher?.Dispose();
        lock (_daveGate)
        {
            _dave?.Dispose();
        }

        _frames.Writer.TryComplete();
        _lifetime.Dispose();
        _sendLock.Dispose();
        _playLock.Dispose();
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
            _pacer ??= new PacingThread($"voice pacing {_join.GuildId}");
            await _pacer.WaitUntilAsync(start + (long)(offset.TotalSeconds * Stopwatch.Frequency), cancellationToken).ConfigureAwait(false);
        }
        else
        {
            await Task.Delay(remaining, _time, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task SendFrameAsync(ReadOnlyMemory<byte> opus, byte[] packet, byte[] daveBuffer, CancellationToken cancellationToken)
    {
        var cipher = _cipher;
        var udp = _udp;
        if (cipher is null || udp is null)
        {
            Statistics.CountSendDropped();
            return;
        }

        ReadOnlyMemory<byte> payload = opus;
        if (_dave is not null)
        {
            FrameEncryptResult result;
            int written;
            lock (_daveGate)
            {
                result = _dave.Encrypt(opus.Span, daveBuffer, out written);
            }

            if (result is not (FrameEncryptResult.Encrypted or FrameEncryptResult.Passthrough))
            {
                Statistics.CountSendDropped();
                return;
            }

            payload = daveBuffer.AsMemory(0, written);
        }

        var length = cipher.Seal(new RtpHeader(_rtpSequence, _rtpTimestamp, Ssrc), payload.Span, packet);
        _rtpSequence++;
        _rtpTimestamp += SamplesPerFrame;
        _lastSentTimestamp = _time.GetTimestamp();
        try
        {
            await udp.SendAsync(packet.AsMemory(0, length), SocketFlags.None, cancellationToken).ConfigureAwait(false);
            Statistics.CountSent();
        }
        catch (SocketException ex)
        {
            LogUdpSendFailed(ex.SocketErrorCode);
        }
    }

    private async Task OpenSocketAsync(CancellationToken cancellationToken)
    {
        var socket = new ClientWebSocket();
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _lifetime.Token);
            timeout.CancelAfter(_options.HandshakeTimeout);
            await socket.ConnectAsync(_join.GatewayUri, timeout.Token).ConfigureAwait(false);
        }
        catch
        {
            socket.Dispose();
            throw;
        }

        var old = _socket;
        _socket = socket;
        old?.Dispose();
    }

    private async Task RunAsync()
    {
        while (!_lifetime.IsCancellationRequested)
        {
            var socket = _socket!;
            int? closeCode = null;
            string reason;
            using (var heartbeatStop = CancellationTokenSource.CreateLinkedTokenSource(_lifetime.Token))
            {
                try
                {
                    (closeCode, reason) = await ReceiveLoopAsync(socket, heartbeatStop).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is WebSocketException or IOException or OperationCanceledException or ObjectDisposedException)
                {
                    reason = ex.GetType().Name;
                }
                finally
                {
                    await heartbeatStop.CancelAsync().ConfigureAwait(false);
                }
            }

            if (_lifetime.IsCancellationRequested || _completion.Task.IsCompleted)
            {
                break;
            }

            var action = VoiceCloseCodes.Classify(closeCode);
            LogClosed(_join.GuildId, closeCode ?? 0, reason, action);
            if (action == VoiceCloseAction.Resume && _resuming && closeCode is not null)
            {
                // A resume that the server refused is a failed resume.
                action = VoiceCloseAction.Rejoin;
            }

            var attempt = Interlocked.Increment(ref _resumeAttempts);
            if (action == VoiceCloseAction.Resume && Ssrc != 0 && attempt <= _options.MaxResumeAttempts)
            {
                try
                {
                    await Task.Delay(TimeSpan.FromMilliseconds(100 * attempt * attempt), _time, _lifetime.Token).ConfigureAwait(false);
                    _resuming = true;
                    await OpenSocketAsync(_lifetime.Token).ConfigureAwait(false);
                    continue;
                }
                catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or HttpRequestException)
                {
                    if (_lifetime.IsCancellationRequested)
                    {
                        break;
                    }

                    _completion.TrySetResult(new VoiceConnectionEnd(VoiceCloseAction.Rejoin, closeCode, "Resume failed: " + ex.GetType().Name));
                    break;
                }
            }

            var final = action == VoiceCloseAction.Resume ? VoiceCloseAction.Rejoin : action;
            _completion.TrySetResult(new VoiceConnectionEnd(final, closeCode, reason));
            break;
        }

        _completion.TrySetResult(new VoiceConnectionEnd(VoiceCloseAction.Stop, null, "Stopped."));
        _frames.Writer.TryComplete();
    }

    private async Task<(int? CloseCode, string Reason)> ReceiveLoopAsync(ClientWebSocket socket, CancellationTokenSource heartbeatStop)
    {
        var buffer = new ArrayBufferWriter<byte>(8192);
        while (true)
        {
            buffer.ResetWrittenCount();
            ValueWebSocketReceiveResult result;
            do
            {
                result = await socket.ReceiveAsync(buffer.GetMemory(4096), _lifetime.Token).ConfigureAwait(false);
                buffer.Advance(result.Count);
                if (buffer.WrittenCount > 1 << 20)
                {
                    socket.Abort();
                    return (null, "Message too large.");
                }
            }
            while (!result.EndOfMessage);

            if (result.MessageType == WebSocketMessageType.Close)
            {
                return ((int?)socket.CloseStatus, socket.CloseStatusDescription ?? string.Empty);
            }

            try
            {
                if (result.MessageType == WebSocketMessageType.Binary)
                {
                    await HandleBinaryAsync(buffer.WrittenMemory.ToArray()).ConfigureAwait(false);
                }
                else
                {
                    await HandleJsonAsync(buffer.WrittenMemory, heartbeatStop).ConfigureAwait(false);
                }
            }
            catch (Exception ex) when (ex is JsonException or InvalidOperationException or FormatException or KeyNotFoundException or ArgumentException)
            {
                Statistics.CountMalformed();
                LogMalformed(_join.GuildId, ex.GetType().Name);
            }
        }
    }

    private async Task HandleJsonAsync(ReadOnlyMemory<byte> message, CancellationTokenSource heartbeatStop)
    {
        using var document = JsonDocument.Parse(message);
        var root = document.RootElement;
        var op = root.GetProperty("op").GetInt32();
        if (root.TryGetProperty("seq", out var seq) && seq.ValueKind == JsonValueKind.Number)
        {
            _lastSequence = seq.GetInt32();
        }

        root.TryGetProperty("d", out var d);
        switch (op)
        {
            case 8:
                var interval = TimeSpan.FromMilliseconds(d.GetProperty("heartbeat_interval").GetDouble());
                if (_resuming)
                {
                    LogResuming(_join.GuildId, _lastSequence);
                    await SendJsonAsync(7, w =>
                    {
                        w.WriteString("server_id", _join.GuildId.ToString(System.Globalization.CultureInfo.InvariantCulture));
                        w.WriteString("session_id", _join.SessionId);
                        w.WriteString("token", _join.Token);
                        w.WriteNumber("seq_ack", _lastSequence);
                    }, _lifetime.Token).ConfigureAwait(false);
                }
                else
                {
                    await SendJsonAsync(0, w =>
                    {
                        w.WriteString("server_id", _join.GuildId.ToString(System.Globalization.CultureInfo.InvariantCulture));
                        w.WriteString("user_id", _join.UserId.ToString(System.Globalization.CultureInfo.InvariantCulture));
                        w.WriteString("session_id", _join.SessionId);
                        w.WriteString("token", _join.Token);
                        w.WriteNumber("max_dave_protocol_version", _dave is null ? 0 : DaveSession.MaxProtocolVersion);
                    }, _lifetime.Token).ConfigureAwait(false);
                }

                _ = HeartbeatLoopAsync(_socket!, interval, heartbeatStop.Token);
                break;
            case 2:
                await OnReadyAsync(d).ConfigureAwait(false);
                break;
            case 4:
                OnSessionDescription(d);
                await SendDaveAsync(_dave is null ? [] : WithDave(s => s.OnSelectProtocolAck(DaveProtocolVersion))).ConfigureAwait(false);
                _ready.TrySetResult();
                break;
            case 5:
                var user = ulong.Parse(d.GetProperty("user_id").GetString()!, System.Globalization.CultureInfo.InvariantCulture);
                var ssrc = d.GetProperty("ssrc").GetUInt32();
                _ssrcToUser[ssrc] = user;
                LogSpeakingMapped(_join.GuildId, ssrc, user);
                break;
            case 6:
                _lastAckNonce = d.ValueKind == JsonValueKind.Object && d.TryGetProperty("t", out var t) ? t.GetInt64() : _lastHeartbeatNonce;
                break;
            case 9:
                _resuming = false;
                Interlocked.Exchange(ref _resumeAttempts, 0);
                Statistics.CountResume();
                LogResumed(_join.GuildId);
                break;
            case 11:
                var users = d.GetProperty("user_ids").EnumerateArray()
                    .Select(u => ulong.Parse(u.GetString()!, System.Globalization.CultureInfo.InvariantCulture)).ToArray();
                if (_dave is not null)
                {
                    WithDave(s =>
                    {
                        s.OnClientsConnect(users);
                        return (IReadOnlyList<DaveOutgoing>)[];
                    });
                }

                break;
            case 13:
                var gone = ulong.Parse(d.GetProperty("user_id").GetString()!, System.Globalization.CultureInfo.InvariantCulture);
                foreach (var pair in _ssrcToUser.Where(p => p.Value == gone).ToArray())
                {
                    _ssrcToUser.TryRemove(pair);
                }

                if (_dave is not null)
                {
                    WithDave(s =>
                    {
                        s.OnClientDisconnect(gone);
                        return (IReadOnlyList<DaveOutgoing>)[];
                    });
                }

                break;
            case 21 or 22 or 24:
                if (_dave is not null)
                {
                    var bytes = message.ToArray();
                    await SendDaveAsync(WithDave(s => s.HandleJson(bytes))).ConfigureAwait(false);
                }

                break;
            default:
                break;
        }
    }

    private async Task HandleBinaryAsync(byte[] message)
    {
        if (message.Length < 3)
        {
            Statistics.CountMalformed();
            return;
        }

        _lastSequence = (message[0] << 8) | message[1];
        if (_dave is not null && message[2] is >= 25 and <= 30)
        {
            await SendDaveAsync(WithDave(s => s.HandleBinary(message))).ConfigureAwait(false);
        }
    }

    private IReadOnlyList<DaveOutgoing> WithDave(Func<DaveSession, IReadOnlyList<DaveOutgoing>> action)
    {
        lock (_daveGate)
        {
            var result = action(_dave!);
            if (_dave!.LastError is { } error)
            {
                LogDaveError(_join.GuildId, error);
            }

            return result;
        }
    }

    private async Task SendDaveAsync(IReadOnlyList<DaveOutgoing> outgoing)
    {
        foreach (var message in outgoing)
        {
            await SendRawAsync(message.Encode(), message.IsBinary ? WebSocketMessageType.Binary : WebSocketMessageType.Text, _lifetime.Token).ConfigureAwait(false);
        }
    }

    private async Task OnReadyAsync(JsonElement d)
    {
        Ssrc = d.GetProperty("ssrc").GetUInt32();
        var ip = d.GetProperty("ip").GetString()!;
        var port = d.GetProperty("port").GetInt32();
        var modes = d.GetProperty("modes").EnumerateArray().Select(m => m.GetString() ?? string.Empty).ToArray();
        var mode = VoiceEncryptionModes.Choose(modes, _options.PreferredMode)
            ?? throw new InvalidOperationException("The voice server offers no supported encryption mode.");
        LogReady(_join.GuildId, Ssrc, ip, port, mode.ToWireName());

        var udp = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        await udp.ConnectAsync(new IPEndPoint(IPAddress.Parse(ip), port), _lifetime.Token).ConfigureAwait(false);
        _udp = udp;
        ExternalEndpoint = await DiscoverAsync(udp).ConfigureAwait(false);
        LogDiscovered(_join.GuildId, ExternalEndpoint.ToString());
        await SendJsonAsync(1, w =>
        {
            w.WriteString("protocol", "udp");
            w.WriteStartObject("data");
            w.WriteString("address", ExternalEndpoint.Address.ToString());
            w.WriteNumber("port", ExternalEndpoint.Port);
            w.WriteString("mode", mode.ToWireName());
            w.WriteEndObject();
        }, _lifetime.Token).ConfigureAwait(false);
    }

    private async Task<IPEndPoint> DiscoverAsync(Socket udp)
    {
        var request = new byte[IpDiscovery.PacketLength];
        var response = new byte[256];
        IpDiscovery.WriteRequest(request, Ssrc);
        for (var attempt = 0; attempt < 5; attempt++)
        {
            await udp.SendAsync(request, SocketFlags.None, _lifetime.Token).ConfigureAwait(false);
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(_lifetime.Token);
            timeout.CancelAfter(TimeSpan.FromMilliseconds(500 * (attempt + 1)));
            try
            {
                while (true)
                {
                    var n = await udp.ReceiveAsync(response, SocketFlags.None, timeout.Token).ConfigureAwait(false);
                    if (IpDiscovery.TryParse(response.AsSpan(0, n), IpDiscovery.ResponseType, out var ssrc, out var address, out var port)
                        && ssrc == Ssrc && IPAddress.TryParse(address, out var parsed))
                    {
                        return new IPEndPoint(parsed, port);
                    }
                }
            }
            catch (OperationCanceledException) when (!_lifetime.IsCancellationRequested)
            {
                // Retry.
            }
            catch (SocketException)
            {
                // ICMP unreachable and the like: retry.
            }
        }

        throw new InvalidOperationException("UDP IP discovery got no answer.");
    }

    private void OnSessionDescription(JsonElement d)
    {
        if (!VoiceEncryptionModes.TryParse(d.GetProperty("mode").GetString(), out var mode))
        {
            throw new InvalidOperationException("Unsupported mode in Session Description.");
        }

        var keyElement = d.GetProperty("secret_key");
        Span<byte> key = stackalloc byte[VoiceTransportCipher.KeyLength];
        var i = 0;
        foreach (var b in keyElement.EnumerateArray())
        {
            if (i >= key.Length)
            {
                throw new InvalidOperationException("secret_key is too long.");
            }

            key[i++] = b.GetByte();
        }

        if (i != key.Length)
        {
            throw new InvalidOperationException("secret_key is too short.");
        }

        var version = d.TryGetProperty("dave_protocol_version", out var v) && v.ValueKind == JsonValueKind.Number ? v.GetInt32() : 0;
        DaveProtocolVersion = _dave is null ? 0 : Math.Min(version, DaveSession.MaxProtocolVersion);
        var old = _cipher;
        _cipher = new VoiceTransportCipher(mode, key);
        CryptographicOperations.ZeroMemory(key);
        Mode = mode;
        LogSessionDescription(_join.GuildId, mode.ToWireName(), DaveProtocolVersion);
        // A repeated Session Description replaces the key; the old cipher may still be in use by the
        // receive loop, so it is left to the garbage collector rather than disposed here.
        if (old is null)
        {
            _udpTask = Task.Run(UdpReceiveLoopAsync, CancellationToken.None);
            _keepAliveTask = Task.Run(KeepAliveLoopAsync, CancellationToken.None);
        }
    }

    private async Task UdpReceiveLoopAsync()
    {
        var udp = _udp!;
        var packet = GC.AllocateArray<byte>(VoiceTransportCipher.MaxPacketSize + 1, pinned: true);
        var plain = GC.AllocateArray<byte>(VoiceTransportCipher.MaxPacketSize, pinned: true);
        var frame = GC.AllocateArray<byte>(VoiceTransportCipher.MaxPacketSize, pinned: true);
        while (!_lifetime.IsCancellationRequested)
        {
            int n;
            try
            {
                n = await udp.ReceiveAsync(packet, SocketFlags.None, _lifetime.Token).ConfigureAwait(false);
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
                Statistics.CountReceive(RtpReceiveResult.Oversized);
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

    /// <summary>The receive path of one datagram: transport decryption, SSRC → user, DAVE decryption, delivery.</summary>
    internal void ProcessPacket(ReadOnlySpan<byte> packet, byte[] plain, byte[] frame)
    {
        var cipher = _cipher;
        if (cipher is null)
        {
            return;
        }

        var result = cipher.Open(packet, plain, out var opened);
        Statistics.CountReceive(result);
        if (result != RtpReceiveResult.Ok)
        {
            LogPacketRejected(result);
            return;
        }

        if (!_ssrcToUser.TryGetValue(opened.Header.Ssrc, out var userId))
        {
            Statistics.CountUnknownSsrc();
            return;
        }

        ReadOnlySpan<byte> opus = plain.AsSpan(opened.PayloadOffset, opened.PayloadLength);
        if (_dave is not null)
        {
            FrameDecryptResult daveResult;
            int written;
            lock (_daveGate)
            {
                daveResult = _dave.Decrypt(userId, opus, frame, out written);
            }

            if (daveResult is not (FrameDecryptResult.Decrypted or FrameDecryptResult.Passthrough))
            {
                Statistics.CountDaveFailure();
                LogDaveFrameRejected(daveResult);
                return;
            }

            opus = frame.AsSpan(0, written);
        }

        if (FrameSink is { } sink)
        {
            sink.OnFrame(userId, opened.Header, opus);
            Statistics.CountDelivered();
            return;
        }

        if (_frames.Writer.TryWrite(new VoiceReceivedFrame(userId, opened.Header.Ssrc, opened.Header.Sequence, opened.Header.Timestamp, opus.ToArray())))
        {
            Statistics.CountDelivered();
        }
    }

    private async Task KeepAliveLoopAsync()
    {
        var payload = new byte[8];
        ulong counter = 0;
        while (!_lifetime.IsCancellationRequested)
        {
            try
            {
                System.Buffers.Binary.BinaryPrimitives.WriteUInt64LittleEndian(payload, counter++);
                await _udp!.SendAsync(payload, SocketFlags.None, _lifetime.Token).ConfigureAwait(false);
                Statistics.CountKeepAlive();
                await Task.Delay(_options.UdpKeepAliveInterval, _time, _lifetime.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                break;
            }
            catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
            {
                break;
            }
        }
    }

    private async Task HeartbeatLoopAsync(ClientWebSocket socket, TimeSpan interval, CancellationToken cancellationToken)
    {
        try
        {
            _lastAckNonce = _lastHeartbeatNonce = 0;
            while (!cancellationToken.IsCancellationRequested)
            {
                if (_lastHeartbeatNonce != _lastAckNonce)
                {
                    LogZombie(_join.GuildId);
                    socket.Abort();
                    return;
                }

                var nonce = _time.GetUtcNow().ToUnixTimeMilliseconds();
                _lastHeartbeatNonce = nonce;
                await SendJsonAsync(3, w =>
                {
                    w.WriteNumber("t", nonce);
                    w.WriteNumber("seq_ack", _lastSequence);
                }, cancellationToken).ConfigureAwait(false);
                await Task.Delay(interval, _time, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or WebSocketException or ObjectDisposedException)
        {
            // The connection is ending.
        }
    }

    private Task SendJsonAsync(int op, Action<Utf8JsonWriter> writeData, CancellationToken cancellationToken)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteNumber("op", op);
            writer.WriteStartObject("d");
            writeData(writer);
            writer.WriteEndObject();
            writer.WriteEndObject();
        }

        return SendRawAsync(buffer.WrittenMemory, WebSocketMessageType.Text, cancellationToken);
    }

    private async Task SendRawAsync(ReadOnlyMemory<byte> message, WebSocketMessageType type, CancellationToken cancellationToken)
    {
        var socket = _socket ?? throw new InvalidOperationException("Not connected.");
        await _sendLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await socket.SendAsync(message, type, true, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _sendLock.Release();
        }
    }
}

/// <summary>The voice connection ended before it was ready.</summary>
public sealed class VoiceConnectionException : Exception
{
    public VoiceConnectionException()
    {
    }

    public VoiceConnectionException(string message)
        : base(message)
    {
    }

    public VoiceConnectionException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public VoiceConnectionException(VoiceConnectionEnd end)
        : base($"Voice connection ended: {end?.Action} (close code {end?.CloseCode}) {end?.Reason}") => End = end;

    /// <summary>How it ended.</summary>
    public VoiceConnectionEnd? End { get; }
}
