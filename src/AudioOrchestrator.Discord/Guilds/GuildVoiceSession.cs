using AudioOrchestrator.Discord.Gateway;
using AudioOrchestrator.Discord.Voice;
using Microsoft.Extensions.Logging;

namespace AudioOrchestrator.Discord.Guilds;

/// <summary>
/// One guild's voice state machine. Joins and leaves are serialised; each bumps a generation that cancels whatever
/// the previous operation or the connection monitor was doing. The monitor applies the close-code policy.
/// </summary>
internal sealed partial class GuildVoiceSession : IAsyncDisposable
{
    private static readonly TimeSpan MaxRejoinDelay = TimeSpan.FromSeconds(30);

    private readonly GuildVoiceManager _manager;
    private readonly ulong _guildId;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _opLock = new(1, 1);
    private readonly Lock _gate = new();
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private CancellationTokenSource _operation = new();
    private VoiceEvents _events = new(null, null, 0, null, null, 0);
    private GuildVoiceState _state;
    private ulong? _desiredChannel;
    private ulong? _channel;
    private DiscordVoiceConnection? _connection;
    private long _connectedServerVersion;
    private string? _connectedGatewaySession;
    private DateTimeOffset? _connectedAt;

    public GuildVoiceSession(GuildVoiceManager manager, ulong guildId)
    {
        _manager = manager;
        _guildId = guildId;
        _logger = manager.LoggerFactory.CreateLogger<GuildVoiceSession>();
    }

    public DiscordVoiceConnection? Connection
    {
        get
        {
            lock (_gate)
            {
                return _state == GuildVoiceState.Connected ? _connection : null;
            }
        }
    }

    /// <summary>True while the guild should be in a voice channel (joined and not left or given up).</summary>
    public bool WantsChannel
    {
        get
        {
            lock (_gate)
            {
                return _desiredChannel is not null;
            }
        }
    }

    public GuildVoiceSnapshot Snapshot(int shardId)
    {
        lock (_gate)
        {
            return new GuildVoiceSnapshot(_guildId, shardId, _state, _channel, _connection?.DaveProtocolVersion ?? 0, _connectedAt);
        }
    }

    public void OnOwnVoiceState(VoiceState state)
    {
        lock (_gate)
        {
            _events = _events with { SessionId = state.SessionId, StateChannel = state.ChannelId, StateVersion = _events.StateVersion + 1 };
            Pulse();
        }
    }

    public void OnVoiceServer(VoiceServerUpdate server)
    {
        lock (_gate)
        {
            _events = _events with { Token = server.Token, Endpoint = server.Endpoint, ServerVersion = _events.ServerVersion + 1 };
            Pulse();
        }
    }

    public async Task JoinAsync(ulong channelId, CancellationToken cancellationToken)
    {
        var operation = BeginOperation();
        await _opLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, operation);
            lock (_gate)
            {
                _desiredChannel = channelId;
                if (_state == GuildVoiceState.Connected && _channel == channelId && _connection is { Completion.IsCompleted: false } current)
                {
                    // Already there: keep the connection (and restart its monitor, which the new operation cancelled).
                    _ = Task.Run(() => MonitorAsync(current, _connectedServerVersion, operation), CancellationToken.None);
                    return;
                }
            }

            await DropConnectionAsync(final: false, "replaced by a new join").ConfigureAwait(false);
            try
            {
                await ConnectAsync(channelId, GuildVoiceState.Joining, operation, linked.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (operation.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
            {
                throw new GuildVoiceJoinException(GuildVoiceFailure.Superseded, $"The join of guild {_guildId} was replaced by another join or a leave.");
            }
            catch (Exception ex) when (ex is GuildVoiceJoinException or OperationCanceledException)
            {
                await GiveUpAsync(ex.Message).ConfigureAwait(false);
                throw;
            }
        }
        finally
        {
            _opLock.Release();
        }
    }

    /// <summary>
    /// Joins the wanted channel again from scratch (op 4, new voice events, new voice connection), whatever the current
    /// connection looks like: after a new gateway session, whose voice states Discord does not carry over.
    /// </summary>
    public async Task RenewAsync(string reason)
    {
        var operation = BeginOperation();
        try
        {
            await _opLock.WaitAsync(operation).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            return;
        }

        try
        {
            ulong channel;
            lock (_gate)
            {
                if (_desiredChannel is not { } wanted)
                {
                    return;
                }

                channel = wanted;
            }

            await DropConnectionAsync(final: false, reason).ConfigureAwait(false);
            await ReconnectAsync(() => ConnectAsync(channel, GuildVoiceState.Reconnecting, operation, operation), operation).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (operation.IsCancellationRequested)
        {
            // A join or leave took over.
        }
        finally
        {
            _opLock.Release();
        }
    }

    public async Task<bool> LeaveAsync(CancellationToken cancellationToken)
    {
        BeginOperation();
        await _opLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            bool wasIn;
            lock (_gate)
            {
                wasIn = _desiredChannel is not null || _connection is not null || _state != GuildVoiceState.Disconnected;
                _desiredChannel = null;
            }

            if (!wasIn)
            {
                return false;
            }

            await DropConnectionAsync(final: true, "left").ConfigureAwait(false);
            SetState(GuildVoiceState.Disconnected, null);
            await _manager.Shards.UpdateVoiceStateAsync(_guildId, null, _manager.Options.SelfMute, false, cancellationToken).ConfigureAwait(false);
            LogLeft(_guildId);
            return true;
        }
        finally
        {
            _opLock.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _operation.CancelAsync().ConfigureAwait(false);
        await _opLock.WaitAsync().ConfigureAwait(false);
        try
        {
            await DropConnectionAsync(final: true, "shutting down").ConfigureAwait(false);
        }
        finally
        {
            _opLock.Release();
        }
    }

    /// <summary>op 4 (unless moving), the two voice events, the voice handshake; the caller holds the operation lock.</summary>
    private async Task ConnectAsync(ulong channelId, GuildVoiceState state, CancellationToken operation, CancellationToken cancellationToken)
    {
        VoiceEvents before;
        lock (_gate)
        {
            before = _events;
            _state = state;
            _channel = channelId;
        }

        var clock = _manager.Time.GetTimestamp();
        await _manager.Shards.UpdateVoiceStateAsync(_guildId, channelId, _manager.Options.SelfMute, false, cancellationToken).ConfigureAwait(false);
        var events = await WaitForEventsAsync(
            e => e.StateVersion > before.StateVersion && e.ServerVersion > before.ServerVersion && e.Endpoint is not null && e.StateChannel == channelId,
            _manager.Options.JoinTimeout,
            cancellationToken).ConfigureAwait(false)
            ?? throw new GuildVoiceJoinException(
                GuildVoiceFailure.Timeout,
                $"No voice state and voice server (with an endpoint) for guild {_guildId} within {_manager.Options.JoinTimeout.TotalSeconds:0.#} s of op 4.");
        await ConnectToAsync(events, operation, cancellationToken).ConfigureAwait(false);
        LogJoined(_guildId, channelId, _manager.Time.GetElapsedTime(clock).TotalMilliseconds);
    }

    private async Task ConnectToAsync(VoiceEvents events, CancellationToken operation, CancellationToken cancellationToken)
    {
        var channelId = events.StateChannel!.Value;
        var shard = _manager.Shards.ShardForGuild(_guildId);
        var join = new VoiceJoinInfo(_guildId, channelId, shard.UserId, events.SessionId!, events.Token!, events.Endpoint!);
        var connection = new DiscordVoiceConnection(
            join, _manager.Options.Connection.ToOptions(), _manager.LoggerFactory.CreateLogger<DiscordVoiceConnection>(), _manager.Time)
        {
            FrameSink = _manager.FrameSinkFactory?.Invoke(_guildId),
        };
        try
        {
            await connection.ConnectAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is VoiceConnectionException or TimeoutException or System.Net.WebSockets.WebSocketException or IOException
                                       or System.Net.Sockets.SocketException or InvalidOperationException)
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw new GuildVoiceJoinException(GuildVoiceFailure.ConnectFailed, $"The voice connection of guild {_guildId} failed: {ex.Message}", ex);
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        lock (_gate)
        {
            _connection = connection;
            _state = GuildVoiceState.Connected;
            _channel = channelId;
            _connectedServerVersion = events.ServerVersion;
            _connectedAt = _manager.Time.GetUtcNow();
            _connectedGatewaySession = shard.SessionId;
        }

        _manager.RaiseConnected(new GuildVoiceConnected(_guildId, channelId, connection));
        _ = Task.Run(() => MonitorAsync(connection, events.ServerVersion, operation), CancellationToken.None);
    }

    /// <summary>Waits for the connection to end or for new voice server events, then applies the policy.</summary>
    private async Task MonitorAsync(DiscordVoiceConnection connection, long serverVersion, CancellationToken operation)
    {
        var serverChanged = WaitForEventsAsync(
            e => e.ServerVersion > serverVersion && e.Endpoint is not null && e.StateChannel is not null,
            Timeout.InfiniteTimeSpan,
            operation);
        try
        {
            await Task.WhenAny(connection.Completion, serverChanged).WaitAsync(operation).ConfigureAwait(false);
            await _opLock.WaitAsync(operation).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            return;
        }

        try
        {
            if (_connection != connection)
            {
                return;
            }

            if (!connection.Completion.IsCompleted && serverChanged.IsCompletedSuccessfully && await serverChanged.ConfigureAwait(false) is { } moved)
            {
                LogServerChanged(_guildId, moved.StateChannel!.Value);
                lock (_gate)
                {
                    _desiredChannel = moved.StateChannel;
                }

                await DropConnectionAsync(final: false, "voice server changed").ConfigureAwait(false);
                await ReconnectAsync(() => ConnectToAsync(moved, operation, operation), operation).ConfigureAwait(false);
                return;
            }

            var end = await connection.Completion.ConfigureAwait(false);
            LogConnectionEnded(_guildId, end.Action, end.CloseCode, end.Reason);
            await DropConnectionAsync(final: false, end.Reason).ConfigureAwait(false);
            switch (end.Action)
            {
                case VoiceCloseAction.StopUnlessMoved:
                    await AwaitMoveAsync(serverVersion, operation).ConfigureAwait(false);
                    break;
                case VoiceCloseAction.Rejoin or VoiceCloseAction.Resume:
                    await RejoinAsync(operation).ConfigureAwait(false);
                    break;
                default:
                    await GiveUpAsync($"voice connection stopped: {end.Reason}").ConfigureAwait(false);
                    break;
            }
        }
        catch (OperationCanceledException) when (operation.IsCancellationRequested)
        {
            // A join or leave took over.
        }
        finally
        {
            _opLock.Release();
        }
    }

    /// <summary>4014: a channel move brings new voice server events within the move timeout; otherwise we were disconnected.</summary>
    private async Task AwaitMoveAsync(long serverVersion, CancellationToken operation)
    {
        SetState(GuildVoiceState.Moving, _channel);
        var moved = await WaitForEventsAsync(
            e => e.ServerVersion > serverVersion && e.Endpoint is not null && e.StateChannel is not null,
            _manager.Options.MoveTimeout,
            operation).ConfigureAwait(false);
        if (moved is null && GatewaySessionDropped())
        {
            // The 4014 meant "the main gateway session was dropped": no move follows, but the shard identifies anew and
            // the channel is joined again on the new session (see GuildVoiceManager), however long that takes.
            LogAwaitingNewGatewaySession(_guildId);
            SetState(GuildVoiceState.Reconnecting, _channel);
            await _manager.Shards.ShardForGuild(_guildId).WaitUntilReadyAsync(operation).ConfigureAwait(false);
            await RejoinAsync(operation).ConfigureAwait(false);
            return;
        }

        if (moved is null)
        {
            LogNotMoved(_guildId, _manager.Options.MoveTimeout.TotalSeconds);
            lock (_gate)
            {
                _desiredChannel = null;
            }

            SetState(GuildVoiceState.Disconnected, null);
            _manager.RaiseDisconnected(new GuildVoiceDisconnected(_guildId, Final: true, "disconnected (4014) and no move followed"));
            return;
        }

        LogMoved(_guildId, moved.StateChannel!.Value);
        lock (_gate)
        {
            _desiredChannel = moved.StateChannel;
        }

        await ReconnectAsync(() => ConnectToAsync(moved, operation, operation), operation).ConfigureAwait(false);
    }

    private Task RejoinAsync(CancellationToken operation) => ReconnectAsync(null, operation);

    /// <summary>True when the guild's shard no longer has the gateway session the voice connection was made on.</summary>
    private bool GatewaySessionDropped()
    {
        string? connectedOn;
        lock (_gate)
        {
            connectedOn = _connectedGatewaySession;
        }

        try
        {
            return connectedOn is not null && _manager.Shards.ShardForGuild(_guildId).SessionId != connectedOn;
        }
        catch (InvalidOperationException)
        {
            // The shard is not running here any more.
            return false;
        }
    }

    /// <summary>Tries <paramref name="first"/> (if any), then new op 4 joins with a doubling delay, then gives up.</summary>
    private async Task ReconnectAsync(Func<Task>? first, CancellationToken operation)
    {
        if (first is not null)
        {
            try
            {
                await first().ConfigureAwait(false);
                return;
            }
            catch (GuildVoiceJoinException ex)
            {
                LogReconnectFailed(_guildId, 0, ex.Message);
            }
        }

        var delay = _manager.Options.RejoinDelay;
        for (var attempt = 1; attempt <= _manager.Options.MaxRejoinAttempts; attempt++)
        {
            ulong? channel;
            lock (_gate)
            {
                channel = _desiredChannel;
            }

            if (channel is null)
            {
                break;
            }

            SetState(GuildVoiceState.Reconnecting, channel);
            await Task.Delay(delay, _manager.Time, operation).ConfigureAwait(false);
            delay = delay * 2 > MaxRejoinDelay ? MaxRejoinDelay : delay * 2;
            try
            {
                await ConnectAsync(channel.Value, GuildVoiceState.Reconnecting, operation, operation).ConfigureAwait(false);
                return;
            }
            catch (GuildVoiceJoinException ex)
            {
                LogReconnectFailed(_guildId, attempt, ex.Message);
            }
        }

        await GiveUpAsync("rejoin attempts exhausted").ConfigureAwait(false);
    }

    /// <summary>Disconnected for good: state, event, and a best-effort op 4 leave so Discord does not show us in the channel.</summary>
    private async Task GiveUpAsync(string reason)
    {
        lock (_gate)
        {
            _desiredChannel = null;
        }

        SetState(GuildVoiceState.Disconnected, null);
        _manager.RaiseDisconnected(new GuildVoiceDisconnected(_guildId, Final: true, reason));
        LogGaveUp(_guildId, reason);
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            await _manager.Shards.UpdateVoiceStateAsync(_guildId, null, _manager.Options.SelfMute, false, timeout.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is OperationCanceledException or InvalidOperationException or System.Net.WebSockets.WebSocketException)
        {
            // Best effort: the gateway may be down; Discord drops the voice state with the session.
        }
    }

    private async Task DropConnectionAsync(bool final, string reason)
    {
        DiscordVoiceConnection? connection;
        lock (_gate)
        {
            connection = _connection;
            _connection = null;
            _connectedAt = null;
        }

        if (connection is null)
        {
            return;
        }

        _manager.RaiseDisconnected(new GuildVoiceDisconnected(_guildId, final, reason));
        await connection.DisposeAsync().ConfigureAwait(false);
    }

    private CancellationToken BeginOperation()
    {
        lock (_gate)
        {
            _operation.Cancel();
            _operation.Dispose();
            _operation = new CancellationTokenSource();
            return _operation.Token;
        }
    }

    private void SetState(GuildVoiceState state, ulong? channel)
    {
        lock (_gate)
        {
            _state = state;
            _channel = channel;
        }
    }

    /// <summary>The voice events once <paramref name="ready"/> holds; null on timeout.</summary>
    private async Task<VoiceEvents?> WaitForEventsAsync(Func<VoiceEvents, bool> ready, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var start = _manager.Time.GetTimestamp();
        while (true)
        {
            Task changed;
            lock (_gate)
            {
                if (ready(_events))
                {
                    return _events;
                }

                changed = _changed.Task;
            }

            var remaining = timeout == Timeout.InfiniteTimeSpan ? Timeout.InfiniteTimeSpan : timeout - _manager.Time.GetElapsedTime(start);
            if (remaining != Timeout.InfiniteTimeSpan && remaining <= TimeSpan.Zero)
            {
                return null;
            }

            try
            {
                await changed.WaitAsync(remaining, _manager.Time, cancellationToken).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                return null;
            }
        }
    }

    private void Pulse()
    {
        var changed = _changed;
        _changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        changed.TrySetResult();
    }

    [LoggerMessage(EventId = 4161, Level = LogLevel.Information, Message = "Guild {GuildId}: voice connected to channel {ChannelId} in {ElapsedMs:F0} ms")]
    private partial void LogJoined(ulong guildId, ulong channelId, double elapsedMs);

    [LoggerMessage(EventId = 4162, Level = LogLevel.Information, Message = "Guild {GuildId}: left the voice channel")]
    private partial void LogLeft(ulong guildId);

    [LoggerMessage(EventId = 4163, Level = LogLevel.Information, Message = "Guild {GuildId}: voice connection ended ({Action}, close code {CloseCode}): {Reason}")]
    private partial void LogConnectionEnded(ulong guildId, VoiceCloseAction action, int? closeCode, string reason);

    [LoggerMessage(EventId = 4164, Level = LogLevel.Information, Message = "Guild {GuildId}: moved to channel {ChannelId}; reconnecting to the new voice server")]
    private partial void LogMoved(ulong guildId, ulong channelId);

    [LoggerMessage(EventId = 4165, Level = LogLevel.Information, Message = "Guild {GuildId}: closed with 4014 and no new voice server within {Seconds:0.#} s: disconnected")]
    private partial void LogNotMoved(ulong guildId, double seconds);

    [LoggerMessage(EventId = 4166, Level = LogLevel.Warning, Message = "Guild {GuildId}: reconnect attempt {Attempt} failed: {Reason}")]
    private partial void LogReconnectFailed(ulong guildId, int attempt, string reason);

    [LoggerMessage(EventId = 4167, Level = LogLevel.Warning, Message = "Guild {GuildId}: voice given up: {Reason}")]
    private partial void LogGaveUp(ulong guildId, string reason);

    [LoggerMessage(EventId = 4170, Level = LogLevel.Information, Message = "Guild {GuildId}: closed with 4014 after the gateway session was dropped; joining again once the shard has a new session")]
    private partial void LogAwaitingNewGatewaySession(ulong guildId);

    [LoggerMessage(EventId = 4168, Level = LogLevel.Information, Message = "Guild {GuildId}: new voice server (channel {ChannelId}) while connected; switching")]
    private partial void LogServerChanged(ulong guildId, ulong channelId);

    /// <summary>What the main gateway last told us about our voice session in this guild; versions count the events.</summary>
    private sealed record VoiceEvents(string? SessionId, ulong? StateChannel, long StateVersion, string? Token, string? Endpoint, long ServerVersion)
    {
        public override string ToString() => $"VoiceEvents {{ StateChannel = {StateChannel}, StateVersion = {StateVersion}, Endpoint = {Endpoint}, ServerVersion = {ServerVersion} }}";
    }
}
