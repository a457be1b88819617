using System.Collections.Concurrent;
using AudioOrchestrator.Contracts;
using AudioOrchestrator.Discord;
using AudioOrchestrator.Discord.Gateway;
using AudioOrchestrator.Discord.Guilds;
using Microsoft.Extensions.Logging;

namespace AudioOrchestrator.Ingress.Discord;

/// <summary>
/// Keeps the bot in the voice channels it should be in. Every join and deliberate leave is remembered per guild
/// (<see cref="IDiscordGuildVoiceChannelGrain"/>); when a guild becomes available (GUILD_CREATE: on start, after a
/// restart, after a shard is taken over) and the bot is not in voice there, it rejoins the remembered channel, or else
/// (first time in this process only) the guild's <see cref="DiscordTransportOptions.AutoJoin"/> channel. A channel with
/// nobody but the bot in it for <see cref="DiscordTransportOptions.AloneTimeout"/> is left (and forgotten); someone
/// joining in the meantime cancels that.
/// </summary>
public sealed partial class VoiceChannelKeeper : IAsyncDisposable
{
    private static readonly TimeSpan JoinTimeout = TimeSpan.FromSeconds(60);
    private readonly IGuildVoiceControl _control;
    private readonly Func<ulong, bool> _isJoining;
    private readonly GuildVoiceManager _voice;
    private readonly DiscordShardManager _shards;
    private readonly IClusterClient _cluster;
    private readonly DiscordTransportOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<ulong, byte> _autoJoined = new();
    private readonly ConcurrentDictionary<ulong, ITimer> _aloneTimers = new();
    private readonly CancellationTokenSource _stop = new();
    private int _disposed;

    public VoiceChannelKeeper(
        IGuildVoiceControl control,
        Func<ulong, bool> isJoining,
        GuildVoiceManager voice,
        DiscordShardManager shards,
        IClusterClient cluster,
        DiscordTransportOptions options,
        TimeProvider time,
        ILogger<VoiceChannelKeeper> logger)
    {
        _control = control;
        _isJoining = isJoining;
        _voice = voice;
        _shards = shards;
        _cluster = cluster;
        _options = options;
        _time = time;
        _logger = logger;
        _shards.GuildAvailable += OnGuildAvailable;
        _shards.VoiceStateUpdated += OnVoiceStateUpdated;
        _voice.Connected += OnConnected;
    }

    /// <summary>Remembers the guild's voice channel (null: a deliberate leave). A storage failure is logged, not thrown.</summary>
    public async Task RememberAsync(ulong guildId, ulong? channelId)
    {
        try
        {
            await Channel(guildId).SetAsync(channelId).ConfigureAwait(false);
        }
#pragma warning disable CA1031 // The join or leave itself succeeded; only a later rejoin is affected.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            LogRememberFailed(ex, guildId);
        }
    }

    public ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return ValueTask.CompletedTask;
        }

        _shards.GuildAvailable -= OnGuildAvailable;
        _shards.VoiceStateUpdated -= OnVoiceStateUpdated;
        _voice.Connected -= OnConnected;
        _stop.Cancel();
        foreach (var timer in _aloneTimers.Values)
        {
            timer.Dispose();
        }

        _aloneTimers.Clear();
        _stop.Dispose();
        return ValueTask.CompletedTask;
    }

    private IDiscordGuildVoiceChannelGrain Channel(ulong guildId) =>
        _cluster.GetGrain<IDiscordGuildVoiceChannelGrain>(DiscordSessions.SpeakerId(guildId));

    private void OnGuildAvailable(object? sender, GuildAvailable e)
    {
        if (_disposed == 0)
        {
            _ = Task.Run(() => RestoreAsync(e.GuildId), CancellationToken.None);
        }
    }

    private async Task RestoreAsync(ulong guildId)
    {
        ulong? remembered;
        try
        {
            remembered = await Channel(guildId).GetAsync().ConfigureAwait(false);
        }
#pragma warning disable CA1031 // Without the remembered channel, fall back to the configured one.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            LogRememberFailed(ex, guildId);
            remembered = null;
        }

        var configured = _autoJoined.TryAdd(guildId, 0) ? _options.AutoJoin.FirstOrDefault(a => a.GuildId == guildId)?.ChannelId : null;
        if ((remembered ?? configured) is not { } channelId
            || _voice.GetSnapshot(guildId) is not { State: GuildVoiceState.Disconnected })
        {
            return;
        }

        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
            timeout.CancelAfter(JoinTimeout);
            await _control.JoinAsync(guildId, channelId, timeout.Token).ConfigureAwait(false);
            LogJoined(guildId, channelId, remembered is null ? "auto-join" : "rejoin");
        }
        catch (Exception ex) when (ex is GuildVoiceException or OperationCanceledException or InvalidOperationException)
        {
            LogJoinFailed(ex, guildId, channelId);
        }
    }

    private void OnConnected(object? sender, GuildVoiceConnected e) => CheckAlone(e.GuildId);

    private void OnVoiceStateUpdated(object? sender, VoiceState e) => CheckAlone(e.GuildId);

    private void CheckAlone(ulong guildId)
    {
        if (_disposed != 0 || _options.AloneTimeout <= TimeSpan.Zero)
        {
            return;
        }

        if (IsAlone(guildId))
        {
            var timer = _time.CreateTimer(_ => OnAloneTimeout(guildId), null, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
            if (_aloneTimers.TryAdd(guildId, timer))
            {
                LogAlone(guildId, _options.AloneTimeout);
                timer.Change(_options.AloneTimeout, Timeout.InfiniteTimeSpan);
            }
            else
            {
                timer.Dispose();
            }
        }
        else if (_aloneTimers.TryRemove(guildId, out var pending))
        {
            pending.Dispose();
            LogNotAlone(guildId);
        }
    }

    /// <summary>True when the bot is connected in a channel where the voice state cache shows nobody else.</summary>
    private bool IsAlone(ulong guildId)
    {
        if (_voice.GetSnapshot(guildId) is not { State: GuildVoiceState.Connected, ChannelId: { } channelId })
        {
            return false;
        }

        try
        {
            var shard = _shards.ShardForGuild(guildId);
            return !shard.VoiceStates.InChannel(guildId, channelId).Any(s => s.UserId != shard.UserId);
        }
        catch (DiscordShardNotRunningException)
        {
            return false;
        }
    }

    private void OnAloneTimeout(ulong guildId)
    {
        if (!_aloneTimers.TryRemove(guildId, out var timer))
        {
            return;
        }

        timer.Dispose();
        if (_disposed == 0 && _isJoining(guildId))
        {
            // A join is still being remembered: wait another period rather than forget the channel before that.
            CheckAlone(guildId);
        }
        else if (_disposed == 0 && IsAlone(guildId))
        {
            _ = Task.Run(() => LeaveAloneAsync(guildId), CancellationToken.None);
        }
    }

    private async Task LeaveAloneAsync(ulong guildId)
    {
        try
        {
            LogLeavingAlone(guildId, _options.AloneTimeout);
            await _control.LeaveAsync(guildId, _stop.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is GuildVoiceException or OperationCanceledException or InvalidOperationException)
        {
            LogLeaveFailed(ex, guildId);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Guild {GuildId}: joined voice channel {ChannelId} ({Reason})")]
    private partial void LogJoined(ulong guildId, ulong channelId, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Guild {GuildId}: could not join voice channel {ChannelId}")]
    private partial void LogJoinFailed(Exception exception, ulong guildId, ulong channelId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Guild {GuildId}: the remembered voice channel could not be read or written")]
    private partial void LogRememberFailed(Exception exception, ulong guildId);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Guild {GuildId}: nobody else in the voice channel; leaving in {AloneTimeout} unless someone joins")]
    private partial void LogAlone(ulong guildId, TimeSpan aloneTimeout);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Guild {GuildId}: someone is in the voice channel again; staying")]
    private partial void LogNotAlone(ulong guildId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Guild {GuildId}: alone in the voice channel for {AloneTimeout}; leaving")]
    private partial void LogLeavingAlone(ulong guildId, TimeSpan aloneTimeout);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Guild {GuildId}: leaving the empty voice channel failed")]
    private partial void LogLeaveFailed(Exception exception, ulong guildId);
}
