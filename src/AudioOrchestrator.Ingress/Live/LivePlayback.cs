using AudioOrchestrator.Ingress.Playback;
using AudioOrchestrator.Ingress.Streams;
using Microsoft.Extensions.Logging;

namespace AudioOrchestrator.Ingress.Live;

/// <summary>
/// The audio-out side of a live socket: the session's answers through this socket's own
/// <see cref="SessionAudioPlayer"/> (so barge-in pauses, resumes and interruptions apply here as for Discord), each
/// frame converted to the socket's format (<see cref="AnswerAudioConverter"/>) and sent paced at real time with
/// <see cref="LiveVoiceOptions.PlaybackLeadMs"/> of lead (<see cref="PlaybackPacer"/>). A frame is taken from the player
/// only when it may leave, so what the player holds back is never already on its way.
/// </summary>
public sealed partial class LivePlayback : IAsyncDisposable
{
    private readonly SessionAudioPlayer _player;
    private readonly AnswerAudioConverter _converter;
    private readonly PlaybackPacer _pacer;
    private readonly TimeProvider _time;
    private readonly LiveVoiceMetrics _metrics;

    public LivePlayback(string sessionId, LiveAudioFormat format, LiveVoiceOptions options, TimeProvider time, LiveVoiceMetrics metrics, ILoggerFactory loggers)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(loggers);
        _time = time;
        _metrics = metrics;
        _converter = new AnswerAudioConverter(format);
        _pacer = new PlaybackPacer(time, TimeSpan.FromMilliseconds(options.PlaybackLeadMs));
        var logger = loggers.CreateLogger<LivePlayback>();
        _player = new SessionAudioPlayer(sessionId, options.PlaybackQueueFrames, answer =>
        {
            LogUnplayable(logger, sessionId, answer.TurnId);
            return Task.CompletedTask;
        }, loggers.CreateLogger<SessionAudioPlayer>());
    }

    /// <summary>Listens to the session's answers (before the socket says it is ready, so no answer is missed).</summary>
    public async Task StartAsync(SessionOutputHub hub, CancellationToken cancellationToken)
    {
        await _player.StartAsync(hub, cancellationToken).ConfigureAwait(false);
        await _player.SetOutputAvailable(true).ConfigureAwait(false);
    }

    /// <summary>Plays the session's answers to <paramref name="sender"/> until cancelled.</summary>
    public async Task RunAsync(LiveSocketSender sender, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(sender);
        var frames = _player.Frames;
        try
        {
            while (await frames.WaitToReadAsync(cancellationToken).ConfigureAwait(false))
            {
                var delay = _pacer.Delay();
                if (delay > TimeSpan.Zero)
                {
                    await Task.Delay(delay, _time, cancellationToken).ConfigureAwait(false);
                }

                if (!frames.TryRead(out var frame))
                {
                    continue; // paused or interrupted meanwhile
                }

                var message = _converter.Convert(frame.Span);
                _pacer.Sent(AnswerAudioConverter.FrameDuration);
                if (message.Length > 0)
                {
                    await sender.SendBinaryAsync(message, cancellationToken).ConfigureAwait(false);
                    _metrics.FramesSent.Add(1);
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // the socket is closing
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _player.DisposeAsync().ConfigureAwait(false); // what was not played goes with the socket: the client saw the events

        _converter.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Session {SessionId}: answer {TurnId} was not played to a live socket (it closed)")]
    private static partial void LogUnplayable(ILogger logger, string sessionId, string turnId);
}
