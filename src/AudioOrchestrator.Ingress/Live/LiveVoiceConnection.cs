using System.Net.WebSockets;
using AudioOrchestrator.Contracts;
using Microsoft.Extensions.Logging;

namespace AudioOrchestrator.Ingress.Live;

/// <summary>
/// One live socket, accepted and admitted: opens the session with a live profile, listens to the session's events and
/// answers, says <c>ready</c>, then runs the receive loop (this class), the send loop (<see cref="LiveSocketSender"/>),
/// the playback loop (<see cref="LivePlayback"/>) and the idle watchdog until either side closes.
/// </summary>
public sealed partial class LiveVoiceConnection
{
    private static readonly TimeSpan WarningInterval = TimeSpan.FromSeconds(5);

    private readonly WebSocket _socket;
    private readonly LiveVoiceRequest _request;
    private readonly LiveVoiceServices _services;
    private readonly LiveVoiceOptions _options;
    private readonly ILogger _logger;
    private long _lastReceived;
    private long? _lastWarning;

    public LiveVoiceConnection(WebSocket socket, LiveVoiceRequest request, LiveVoiceServices services)
    {
        _socket = socket ?? throw new ArgumentNullException(nameof(socket));
        _request = request ?? throw new ArgumentNullException(nameof(request));
        _services = services ?? throw new ArgumentNullException(nameof(services));
        _options = services.Options.Value;
        _logger = services.Loggers.CreateLogger<LiveVoiceConnection>();
    }

    private TimeProvider Time => _services.Time;

    private string SessionId => _request.Speaker.SessionId;

    /// <summary>Serves the socket until it is closed; returns why (the metric's reason).</summary>
    public async Task<string> RunAsync(CancellationToken aborted)
    {
        using var sender = new LiveSocketSender(_socket, _options.SendQueueMessages, _options.SendTimeout, Time, _logger);
        using var stopping = _services.Lifetime.ApplicationStopping.Register(() => sender.RequestClose(LiveClose.ShuttingDown(), _services.Events.Error));
        using var done = CancellationTokenSource.CreateLinkedTokenSource(aborted);
        var sending = sender.RunAsync(aborted);
        await using var playback = new LivePlayback(SessionId, _request.Format, _options, Time, _services.Metrics, _services.Loggers);
        await using var input = new LiveAudioInput(_request, _services.Publisher, _options, _services.Ingress.Value.FramesPerEvent, Time, _services.Metrics, _logger);
        Task playing = Task.CompletedTask;
        string reason;
        try
        {
            // Say what the session is before any audio reaches it, and listen before saying ready: nothing is missed.
            await _services.Grains.GetGrain<IConversationGrain>(SessionId).OpenAsync(SessionProfile.Live(_request.Wake)).WaitAsync(aborted).ConfigureAwait(false);
            await using var events = await _services.Hub.ListenAsync(SessionId, item => OfferEvent(sender, item), aborted).ConfigureAwait(false);
            await playback.StartAsync(_services.Hub, aborted).ConfigureAwait(false);
            sender.OfferText(_services.Events.Ready(_request, _options.MaxMessageBytes));
            LogOpened(_logger, SessionId, _request.Speaker.SpeakerId, _request.Format.Name, _request.WakeName);
            playing = playback.RunAsync(sender, done.Token);
            Touch();
            using var idle = Time.CreateTimer(_ => CheckIdle(sender), null, IdleCheckPeriod, IdleCheckPeriod);
            reason = await ReceiveAsync(sender, input, aborted).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is OperationCanceledException or WebSocketException)
        {
            reason = sender.AbortReason ?? sender.Close?.Code ?? "aborted";
        }
#pragma warning disable CA1031 // The socket ends with 1011; the service goes on.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            LogFailed(_logger, ex, SessionId, _request.Speaker.SpeakerId);
            sender.RequestClose(LiveClose.Internal("internal error"), _services.Events.Error);
            reason = "internalError";
        }

        await done.CancelAsync().ConfigureAwait(false);
        await playing.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        await WaitForCloseAsync(sender, sending).ConfigureAwait(false);
        LogClosed(_logger, SessionId, _request.Speaker.SpeakerId, reason);
        return reason;
    }

    private TimeSpan IdleCheckPeriod => TimeSpan.FromTicks(Math.Clamp(_options.IdleTimeout.Ticks / 4, TimeSpan.TicksPerMillisecond * 50, TimeSpan.TicksPerSecond));

    /// <summary>Receives until the client closes or the server closes the socket; returns the reason.</summary>
    private async Task<string> ReceiveAsync(LiveSocketSender sender, LiveAudioInput input, CancellationToken aborted)
    {
        var max = _options.MaxMessageBytes;
        var buffer = new byte[max + 1];
        var length = 0;
        while (true)
        {
            var received = await _socket.ReceiveAsync(buffer.AsMemory(length), aborted).ConfigureAwait(false);
            if (received.MessageType == WebSocketMessageType.Close)
            {
                if (sender.Close is { } close)
                {
                    return close.Code; // the client answered our close
                }

                sender.RequestClose(LiveClose.Normal("bye"), null); // answer the client's close
                return "client";
            }

            if (sender.Close is not null)
            {
                length = 0; // closing: what still arrives is not heard
                continue;
            }

            Touch();
            length += received.Count;
            if (length > max)
            {
                sender.RequestClose(LiveClose.TooBig(max), _services.Events.Error);
                length = 0;
                await DrainAsync(buffer, aborted).ConfigureAwait(false);
                continue;
            }

            if (!received.EndOfMessage)
            {
                continue;
            }

            var message = buffer.AsSpan(0, length);
            length = 0;
            var kind = received.MessageType == WebSocketMessageType.Binary
                ? LiveMessageClassifier.ClassifyBinary(message, _request.Format)
                : LiveMessageClassifier.ClassifyText(message, _request.Format);
            switch (kind.Kind)
            {
                case LiveMessageKind.Audio:
                    if (input.Accept(message) > 0)
                    {
                        WarnRateLimited(sender);
                    }

                    break;
                case LiveMessageKind.EndOfSpeech:
                    input.EndOfSpeech();
                    break;
                case LiveMessageKind.Rejected:
                    LogRejected(_logger, SessionId, _request.Speaker.SpeakerId, (int)kind.Close!.Status, kind.Close.Reason);
                    sender.RequestClose(kind.Close, _services.Events.Error);
                    break;
                default:
                    break;
            }
        }
    }

    /// <summary>Reads and forgets the rest of an oversized message (the close frame has been asked for).</summary>
    private async Task DrainAsync(byte[] buffer, CancellationToken aborted)
    {
        while (true)
        {
            var received = await _socket.ReceiveAsync(buffer.AsMemory(), aborted).ConfigureAwait(false);
            if (received.EndOfMessage || received.MessageType == WebSocketMessageType.Close)
            {
                return;
            }
        }
    }

    /// <summary>After the receive loop: let the close handshake finish (bounded by the send timeout), else abort.</summary>
    private async Task WaitForCloseAsync(LiveSocketSender sender, Task sending)
    {
        if (sender.Close is null && _socket.State == WebSocketState.Open)
        {
            sender.RequestClose(LiveClose.Normal("bye"), null);
        }

        try
        {
            await sending.WaitAsync(_options.SendTimeout, Time).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            _socket.Abort();
        }
    }

    private Task OfferEvent(LiveSocketSender sender, SessionOutputEvent item)
    {
        foreach (var message in _services.Events.Map(SessionId, item))
        {
            sender.OfferText(message);
        }

        return Task.CompletedTask;
    }

    private void WarnRateLimited(LiveSocketSender sender)
    {
        var now = Time.GetTimestamp();
        if (_lastWarning is { } last && Time.GetElapsedTime(last, now) < WarningInterval)
        {
            return;
        }

        _lastWarning = now;
        sender.OfferText(_services.Events.Warning("rateLimited", "audio arrives faster than real time: the excess was dropped; send it as it is captured"));
    }

    private void Touch() => Interlocked.Exchange(ref _lastReceived, Time.GetTimestamp());

    private void CheckIdle(LiveSocketSender sender)
    {
        if (sender.ClosingSince is { } since && Time.GetElapsedTime(since) > _options.SendTimeout)
        {
            _socket.Abort(); // the client did not answer the close frame
            return;
        }

        if (Time.GetElapsedTime(Interlocked.Read(ref _lastReceived)) > _options.IdleTimeout)
        {
            sender.RequestClose(LiveClose.Idle(), _services.Events.Error);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Live socket opened: session {SessionId}, speaker {SpeakerId}, {Format}, wake {Wake}")]
    private static partial void LogOpened(ILogger logger, string sessionId, string speakerId, string format, string wake);

    [LoggerMessage(Level = LogLevel.Information, Message = "Live socket closed: session {SessionId}, speaker {SpeakerId} ({Reason})")]
    private static partial void LogClosed(ILogger logger, string sessionId, string speakerId, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Live socket of session {SessionId}, speaker {SpeakerId}: message refused, closing with {Status}: {Reason}")]
    private static partial void LogRejected(ILogger logger, string sessionId, string speakerId, int status, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "Live socket of session {SessionId}, speaker {SpeakerId} failed")]
    private static partial void LogFailed(ILogger logger, Exception exception, string sessionId, string speakerId);
}
