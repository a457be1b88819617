using System.Net;
using System.Threading.Channels;
using AudioOrchestrator.Dave.Session;
using AudioOrchestrator.Discord.Voice.Crypto;
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
/// <remarks>
/// The parts: <see cref="VoiceControlSocket"/> (the WebSocket, resume, heartbeats), <see cref="VoiceSessionHandler"/>
/// (its session messages), <see cref="VoiceUdpTransport"/> (UDP socket, keys, keep-alive), <see cref="VoiceUdpReceiver"/>
/// (receive path), <see cref="VoiceAudioSender"/> (paced send path) and <see cref="VoiceDaveChannel"/> (DAVE).
/// </remarks>
public sealed partial class DiscordVoiceConnection : IAsyncDisposable
{
    private readonly VoiceJoinInfo _join;
    private readonly VoiceConnectionOptions _options;
    private readonly ILogger _logger;
    private readonly VoiceControlSocket _control;
    private readonly VoiceDaveChannel? _dave;
    private readonly VoiceUdpTransport _transport;
    private readonly VoiceUdpReceiver _receiver;
    private readonly VoiceAudioSender _sender;
    private readonly VoiceSessionHandler _session;
    private Task? _runTask;

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
        time ??= TimeProvider.System;
        var maxDaveProtocolVersion = _options.DaveEnabled ? DaveSession.MaxProtocolVersion : 0;
        _control = new VoiceControlSocket(join, _options, maxDaveProtocolVersion, Statistics, time, _logger);
        _dave = _options.DaveEnabled ? new VoiceDaveChannel(new DaveSession(join.UserId, join.ChannelId, time), _control.SendRawAsync, _logger, join.GuildId) : null;
        _transport = new VoiceUdpTransport(_options.UdpKeepAliveInterval, Statistics, time);
        _receiver = new VoiceUdpReceiver(_transport, _dave, Statistics, _options.ReceiveQueueCapacity, _logger);
        _sender = new VoiceAudioSender(_transport, _dave, _options, Statistics, time, _logger, $"voice pacing {join.GuildId}", SendSpeakingAsync);
        _session = new VoiceSessionHandler(join, _options.PreferredMode, _control, _transport, _receiver, _dave, _logger);
    }

    /// <summary>
    /// When set (before <see cref="ConnectAsync"/>), received frames go to this sink on the UDP receive thread,
    /// without allocation, instead of <see cref="Frames"/>.
    /// </summary>
    public IVoiceFrameSink? FrameSink
    {
        get => _receiver.FrameSink;
        set => _receiver.FrameSink = value;
    }

    /// <summary>Received Opus frames (after all decryption), in arrival order, unless <see cref="FrameSink"/> is set.</summary>
    public ChannelReader<VoiceReceivedFrame> Frames => _receiver.Frames;

    /// <summary>Ends when the connection is over and not resumable; tells whether to rejoin or stop.</summary>
    public Task<VoiceConnectionEnd> Completion => _control.Completion;

    public VoiceConnectionStatistics Statistics { get; } = new();

    /// <summary>Our SSRC (from Ready).</summary>
    public uint Ssrc => _transport.Ssrc;

    /// <summary>The transport mode of the Session Description.</summary>
    public VoiceEncryptionMode? Mode => _transport.Cipher?.Mode;

    /// <summary>The DAVE protocol version of the Session Description (0 = transport encryption only).</summary>
    public int DaveProtocolVersion => _session.DaveProtocolVersion;

    /// <summary>The DAVE session (null when DAVE is disabled).</summary>
    public DaveSession? Dave => _dave?.Session;

    /// <summary>The external address and port found by IP discovery.</summary>
    public IPEndPoint? ExternalEndpoint => _transport.ExternalEndpoint;

    /// <summary>Users connected according to op 11 / op 13.</summary>
    public IReadOnlyDictionary<uint, ulong> SsrcToUser => _receiver.SsrcToUser;

    /// <summary>True once DAVE media keys are in place for sending (or DAVE is off).</summary>
    public bool CanSendAudio => _dave is null || DaveProtocolVersion == 0 || _dave.CanEncrypt;

    /// <summary>Connects and completes once Session Description arrived and UDP is ready.</summary>
    public async Task ConnectAsync(CancellationToken cancellationToken = default)
    {
        if (_runTask is not null)
        {
            throw new InvalidOperationException("Already connected.");
        }

        LogConnecting(_join.GuildId, _join.ChannelId, _join.Endpoint);
        await _control.OpenAsync(cancellationToken).ConfigureAwait(false);
        _runTask = Task.Run(RunAsync, CancellationToken.None);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_options.HandshakeTimeout);
        Task first;
        try
        {
            first = await Task.WhenAny(_session.Ready, Completion).WaitAsync(timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"No Session Description within {_options.HandshakeTimeout.TotalSeconds:0.#} s.");
        }

        if (first == Completion)
        {
            var end = await Completion.ConfigureAwait(false);
            throw new VoiceConnectionException(end);
        }
    }

    /// <summary>Sends Speaking (op 5): microphone flag (1) or 0.</summary>
    public Task SetSpeakingAsync(bool speaking, CancellationToken cancellationToken = default) =>
        _sender.SetSpeakingAsync(speaking, cancellationToken);

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
    public Task PlayAsync(ChannelReader<ReadOnlyMemory<byte>> frames, Func<bool>? moreFramesExpected, CancellationToken cancellationToken = default) =>
        _sender.PlayAsync(frames, moreFramesExpected, cancellationToken);

    /// <summary>Closes the connection normally (1000); <see cref="Completion"/> reports Stop.</summary>
    public Task DisconnectAsync(CancellationToken cancellationToken = default) => _control.DisconnectAsync();

    public async ValueTask DisposeAsync()
    {
        await DisconnectAsync().ConfigureAwait(false);
        _transport.CloseSocket();
        foreach (var task in new[] { _runTask, _receiver.Receiving, _transport.KeepAlive })
        {
            if (task is not null)
            {
                await task.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }
        }

        _control.Dispose();
        _transport.Dispose();
        _dave?.Dispose();
        _receiver.CompleteFrames();
        _sender.Dispose();
    }

    private async Task RunAsync()
    {
        await _control.RunAsync(_session).ConfigureAwait(false);
        _receiver.CompleteFrames();
    }

    private Task SendSpeakingAsync(bool speaking, CancellationToken cancellationToken) => _control.SendJsonAsync(5, w =>
    {
        w.WriteNumber("speaking", speaking ? 1 : 0);
        w.WriteNumber("delay", 0);
        w.WriteNumber("ssrc", Ssrc);
    }, cancellationToken);

    [LoggerMessage(EventId = 4200, Level = LogLevel.Information, Message = "Voice {GuildId}: connecting to channel {ChannelId} at {Endpoint}")]
    private partial void LogConnecting(ulong guildId, ulong channelId, string endpoint);
}
