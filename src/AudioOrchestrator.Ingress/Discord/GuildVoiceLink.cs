using AudioOrchestrator.Discord.Voice;
using AudioOrchestrator.Ingress.Playback;
using Microsoft.Extensions.Logging;

namespace AudioOrchestrator.Ingress.Discord;

/// <summary>
/// Everything one guild's voice needs while the bot is (or wants to be) in a channel: the receive sink and the
/// session's player, attached to whichever voice connection is current (its paced sender drains the player).
/// </summary>
internal sealed partial class GuildVoiceLink(ulong guildId, GuildAudioReceiver receiver, SessionAudioPlayer player, ILogger logger) : IAsyncDisposable
{
    private readonly Lock _gate = new();
    private Task _chain = Task.CompletedTask;
    private CancellationTokenSource? _playing;
    private Task _playTask = Task.CompletedTask;

    public ulong GuildId { get; } = guildId;

    public GuildAudioReceiver Receiver { get; } = receiver;

    public SessionAudioPlayer Player { get; } = player;

    public bool Disposed { get; private set; }

    /// <summary>Runs <paramref name="step"/> after the steps scheduled before it (connection events arrive in order and must apply in order).</summary>
    public Task Schedule(Func<Task> step)
    {
        lock (_gate)
        {
            _chain = _chain.ContinueWith(_ => step(), CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default).Unwrap();
            return _chain;
        }
    }

    /// <summary>A connection is ready: the bot's identity to the receiver, the player's frames to its sender.</summary>
    public async Task AttachAsync(DiscordVoiceConnection connection, ulong botUserId)
    {
        await DetachAsync().ConfigureAwait(false);
        Receiver.SetBot(botUserId, connection.Ssrc);
        var playing = new CancellationTokenSource();
        lock (_gate)
        {
            _playing = playing;
            _playTask = Task.Run(() => PlayAsync(connection, playing.Token), CancellationToken.None);
        }

        await Player.SetOutputAvailable(true).ConfigureAwait(false);
    }

    /// <summary>The connection went away: stop sending; answers not fully played go to the text fallback.</summary>
    public async Task DetachAsync()
    {
        CancellationTokenSource? playing;
        Task playTask;
        lock (_gate)
        {
            playing = _playing;
            playTask = _playTask;
            _playing = null;
        }

        if (playing is null)
        {
            return;
        }

        await Player.SetOutputAvailable(false).ConfigureAwait(false);
        await playing.CancelAsync().ConfigureAwait(false);
        await playTask.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        playing.Dispose();
    }

    public async ValueTask DisposeAsync()
    {
        Disposed = true;
        await DetachAsync().ConfigureAwait(false);
        await Player.DisposeAsync().ConfigureAwait(false);
        await Receiver.DisposeAsync().ConfigureAwait(false);
    }

    private async Task PlayAsync(DiscordVoiceConnection connection, CancellationToken cancellationToken)
    {
        try
        {
            await connection.PlayAsync(Player.Frames, () => Player.IsMidSentence, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Detached.
        }
#pragma warning disable CA1031 // The sender failing is a playback failure: report it and let the voice manager reconnect.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            LogPlaybackFailed(ex, GuildId);
            await Player.SetOutputAvailable(false).ConfigureAwait(false);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Guild {GuildId}: voice playback failed")]
    private partial void LogPlaybackFailed(Exception exception, ulong guildId);
}
