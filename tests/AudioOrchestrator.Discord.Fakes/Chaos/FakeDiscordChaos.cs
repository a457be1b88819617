using System.Collections.Concurrent;
using System.Net.WebSockets;
using AudioOrchestrator.Discord.Fakes.Voice;

namespace AudioOrchestrator.Discord.Fakes.Chaos;

/// <summary>
/// Chaos mode of the fake Discord: at seeded random intervals (<see cref="FakeChaosOptions.MeanInterval"/>) it drops or
/// closes the bot's gateway and voice sockets, sends Reconnect and Invalid Session, moves calls to another voice
/// server and delays heartbeat ACKs (see <see cref="FakeChaosKind"/>), then watches the bot's connections until it has
/// recovered as the protocol asks (resumed with session id and sequence, identified anew and rejoined voice, voice
/// resumed with <c>seq_ack</c>, or a new voice session back in the DAVE group). Each disruption and its outcome is in
/// <see cref="Disruptions"/>; a test can also inflict one kind at once with <see cref="DisruptAsync"/>.
/// </summary>
public sealed class FakeDiscordChaos : IAsyncDisposable
{
    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(10);

    // Late ACKs that must not cost the connection: a fifth of the interval, leaving the rest as margin for a busy machine.
    private const double SlowAckFraction = 0.2;

    private readonly FakeDiscordServer _gateway;
    private readonly Func<IReadOnlyCollection<FakeVoiceServer>> _voiceServers;
    private readonly FakeChaosOptions _options;
    private readonly Random _random;
    private readonly ConcurrentQueue<FakeChaosDisruption> _disruptions = new();
    private readonly ConcurrentQueue<Task> _watchers = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly SemaphoreSlim _one = new(1, 1);
    private Task? _loop;
    private int _moves;

    /// <param name="gateway">The fake gateway.</param>
    /// <param name="voiceServers">The fake voice servers in use now (read at each disruption).</param>
    /// <param name="options">Schedule and kinds.</param>
    public FakeDiscordChaos(FakeDiscordServer gateway, Func<IReadOnlyCollection<FakeVoiceServer>> voiceServers, FakeChaosOptions options)
    {
        _gateway = gateway ?? throw new ArgumentNullException(nameof(gateway));
        _voiceServers = voiceServers ?? throw new ArgumentNullException(nameof(voiceServers));
        _options = options ?? throw new ArgumentNullException(nameof(options));
        if (_options.Kinds.Count == 0)
        {
            throw new ArgumentException("At least one kind of disruption is needed.", nameof(options));
        }

        _random = new Random(_options.Seed);
    }

    /// <summary>Every disruption so far, in order.</summary>
    public IReadOnlyList<FakeChaosDisruption> Disruptions => [.. _disruptions];

    /// <summary>Starts disrupting at random intervals until <see cref="StopAsync"/>.</summary>
    public void Start()
    {
        if (_loop is not null)
        {
            throw new InvalidOperationException("Chaos already started.");
        }

        _loop = Task.Run(() => RunAsync(_stop.Token), CancellationToken.None);
    }

    /// <summary>Stops the schedule and waits for the recoveries being watched (each bounded by the recovery timeout).</summary>
    public async Task StopAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        if (_loop is not null)
        {
            await _loop.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }

        await Task.WhenAll(_watchers).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
    }

    /// <summary>
    /// Inflicts one disruption now; null when there is nothing to disrupt (no live gateway session, or no voice
    /// connection for a voice kind). The recovery is watched in the background (see <see cref="FakeChaosDisruption.Outcome"/>).
    /// </summary>
    /// <param name="kind">What to do.</param>
    /// <param name="moveDelay">For <see cref="FakeChaosKind.VoiceServerMoved"/>: time from the 4014 to the new VOICE_SERVER_UPDATE (default: the options').</param>
    public async Task<FakeChaosDisruption?> DisruptAsync(FakeChaosKind kind, TimeSpan? moveDelay = null)
    {
        await _one.WaitAsync().ConfigureAwait(false);
        try
        {
            return kind.IsGateway() ? await DisruptGatewayAsync(kind).ConfigureAwait(false) : await DisruptVoiceAsync(kind, moveDelay ?? _options.MoveDelay).ConfigureAwait(false);
        }
        finally
        {
            _one.Release();
        }
    }

    /// <summary>Waits until <paramref name="disruption"/> has an outcome (recovered or failed).</summary>
    public static async Task WaitForOutcomeAsync(FakeChaosDisruption disruption, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(disruption);
        while (disruption.Outcome is null)
        {
            await Task.Delay(Poll, cancellationToken).ConfigureAwait(false);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync().ConfigureAwait(false);
        _stop.Dispose();
        _one.Dispose();
    }

    private async Task RunAsync(CancellationToken stop)
    {
        try
        {
            while (!stop.IsCancellationRequested)
            {
                var wait = _options.MeanInterval * (0.5 + _random.NextDouble());
                await Task.Delay(wait, stop).ConfigureAwait(false);
                var kind = _options.Kinds[_random.Next(_options.Kinds.Count)];
                var disruption = await DisruptAsync(kind).ConfigureAwait(false);
                if (disruption is not null && _options.WaitForRecovery)
                {
                    await WaitForOutcomeAsync(disruption, stop).ConfigureAwait(false);
                }
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
        }
    }

    private FakeChaosDisruption Record(FakeChaosKind kind, ulong? guildId)
    {
        var disruption = new FakeChaosDisruption(_disruptions.Count + 1, kind, guildId);
        _disruptions.Enqueue(disruption);
        return disruption;
    }

    private void Watch(FakeChaosDisruption disruption, Func<string?> recovered)
    {
        _watchers.Enqueue(Task.Run(async () =>
        {
            var deadline = DateTime.UtcNow + _options.RecoveryTimeout;
            while (DateTime.UtcNow < deadline)
            {
                if (recovered() is { } outcome)
                {
                    disruption.Complete(outcome);
                    return;
                }

                await Task.Delay(Poll, CancellationToken.None).ConfigureAwait(false);
            }

            disruption.Complete($"failed: no recovery within {_options.RecoveryTimeout.TotalSeconds:0} s");
        }));
    }

    /// <summary>Keeps the late-ACK delay on for a while; the connection must still be there at the end.</summary>
    private void WatchKept(FakeChaosDisruption disruption, Func<bool> ended, Action restore, TimeSpan period)
    {
        _watchers.Enqueue(Task.Run(async () =>
        {
            await Task.Delay(period, CancellationToken.None).ConfigureAwait(false);
            restore();
            disruption.Complete(ended() ? "failed: reconnected although every ACK came within the interval" : "kept");
        }));
    }

    private (FakeSession Session, FakeConnection Connection)? LiveGatewaySession() =>
        _gateway.Sessions
            .Where(s => !s.Invalidated && s.Connection is { Ended: false, Handshake: not 0 })
            .OrderBy(s => s.ShardId)
            .Select(s => ((FakeSession, FakeConnection)?)(s, s.Connection!))
            .FirstOrDefault();

    private List<(FakeVoiceServer Server, FakeVoiceSession Session, int ConnectionId)> LiveVoiceSessions() =>
        [.. _voiceServers()
            .SelectMany(server => server.Sessions
                .Where(s => s.UserId == _options.BotUserId && s.Connection is { Ended: false } && s.Mode is not null)
                .Select(s => (server, s, s.Connection!.Id)))
            .OrderBy(x => x.s.ServerId)];

    private async Task<FakeChaosDisruption?> DisruptGatewayAsync(FakeChaosKind kind)
    {
        if (LiveGatewaySession() is not var (session, connection))
        {
            return null;
        }

        var voice = kind.EndsGatewaySession() ? LiveVoiceSessions() : [];
        var disruption = Record(kind, null);
        switch (kind)
        {
            case FakeChaosKind.GatewayDrop:
                connection.Abort();
                break;
            case FakeChaosKind.GatewayCloseResumable:
                await connection.CloseAsync(4000, "Unknown error.").ConfigureAwait(false);
                break;
            case FakeChaosKind.GatewayCloseNewSession:
                session.Invalidate();
                await connection.CloseAsync(4009, "Session timed out.").ConfigureAwait(false);
                break;
            case FakeChaosKind.GatewayReconnect:
                await session.SendReconnectAsync().ConfigureAwait(false);
                break;
            case FakeChaosKind.GatewayInvalidSessionResumable:
                await session.SendInvalidSessionAsync(resumable: true).ConfigureAwait(false);
                break;
            case FakeChaosKind.GatewayInvalidSessionNew:
                await session.SendInvalidSessionAsync(resumable: false).ConfigureAwait(false);
                break;
            case FakeChaosKind.GatewayZombie:
                connection.HeartbeatAckDelay = _options.GatewayHeartbeatInterval * 3;
                break;
            case FakeChaosKind.GatewaySlowAck:
                connection.HeartbeatAckDelay = _options.GatewayHeartbeatInterval * SlowAckFraction;
                WatchKept(disruption, () => connection.Ended, () => connection.HeartbeatAckDelay = TimeSpan.Zero, _options.GatewayHeartbeatInterval * 2.5);
                return disruption;
        }

        // The main gateway session is gone: Discord drops the bot's voice connections (4014, "the main gateway session
        // was dropped"); the voice servers forget their sessions and take the bot out of their DAVE groups.
        foreach (var (server, voiceSession, _) in voice)
        {
            await server.EndSessionAsync(voiceSession).ConfigureAwait(false);
            await server.CloseAsync(voiceSession, 4014, "Disconnected.").ConfigureAwait(false);
        }

        Watch(disruption, () =>
        {
            var later = _gateway.Connections.Where(c => c.Id > connection.Id && !c.Ended && c.Session is not null).ToList();
            if (kind.EndsGatewaySession())
            {
                return later.Any(c => c.Handshake == 2) && voice.All(v => VoiceRejoined(v.Server, v.Session, v.ConnectionId)) ? "identified" : null;
            }

            if (later.Any(c => c.Handshake == 6 && c.Session == session))
            {
                return "resumed";
            }

            return later.Any(c => c.Handshake == 2) ? "failed: identified instead of resuming" : null;
        });
        return disruption;
    }

    private async Task<FakeChaosDisruption?> DisruptVoiceAsync(FakeChaosKind kind, TimeSpan moveDelay)
    {
        var live = LiveVoiceSessions();
        if (live.Count == 0 || LiveGatewaySession() is not var (gatewaySession, _))
        {
            return null;
        }

        var (server, session, connectionId) = live[_random.Next(live.Count)];
        var connection = session.Connection;
        if (connection is null)
        {
            return null;
        }

        var disruption = Record(kind, session.ServerId);
        var resume = false;
        switch (kind)
        {
            case FakeChaosKind.VoiceDrop:
                connection.Abort();
                resume = true;
                break;
            case FakeChaosKind.VoiceServerCrashed:
                await server.CloseAsync(session, 4015, "Voice server crashed.").ConfigureAwait(false);
                resume = true;
                break;
            case FakeChaosKind.VoiceZombie:
                connection.HeartbeatAckDelay = _options.VoiceHeartbeatInterval * 3;
                resume = true;
                break;
            case FakeChaosKind.VoiceSlowAck:
                connection.HeartbeatAckDelay = _options.VoiceHeartbeatInterval * SlowAckFraction;
                WatchKept(disruption, () => connection.Ended, () => connection.HeartbeatAckDelay = TimeSpan.Zero, _options.VoiceHeartbeatInterval * 2.5);
                return disruption;
            case FakeChaosKind.VoiceSessionInvalid:
                await server.EndSessionAsync(session).ConfigureAwait(false);
                await server.CloseAsync(session, 4006, "Session no longer valid.").ConfigureAwait(false);
                break;
            case FakeChaosKind.VoiceServerMoved:
                await server.EndSessionAsync(session).ConfigureAwait(false);
                await server.CloseAsync(session, 4014, "Disconnected.").ConfigureAwait(false);
                var node = "moved-" + Interlocked.Increment(ref _moves).ToString(System.Globalization.CultureInfo.InvariantCulture);
                _ = Task.Run(async () =>
                {
                    await Task.Delay(moveDelay).ConfigureAwait(false);
                    try
                    {
                        await gatewaySession.SendVoiceServerUpdateAsync(session.ServerId, server.EndpointVia(node)).ConfigureAwait(false);
                    }
                    catch (Exception ex) when (ex is WebSocketException or ObjectDisposedException or IOException)
                    {
                        // Kept in the session's log: a resume replays it.
                    }
                });
                break;
        }

        Watch(disruption, () =>
        {
            var later = server.Connections.Where(c => c.Id > connectionId && !c.Ended && c.Session is not null).ToList();
            if (resume && later.Any(c => c.Session == session && c.ReceivedOps.Contains(7)))
            {
                return "resumed";
            }

            if (VoiceRejoined(server, session, connectionId))
            {
                return resume ? "rejoined (a resume was possible)" : "rejoined";
            }

            return null;
        });
        return disruption;
    }

    /// <summary>A new voice session of the bot on <paramref name="server"/>, with its keys and back in the DAVE group.</summary>
    private bool VoiceRejoined(FakeVoiceServer server, FakeVoiceSession old, int oldConnectionId) =>
        server.Connections.Any(c => c.Id > oldConnectionId && !c.Ended && c.Session is { Mode: not null } s && s != old && s.UserId == old.UserId)
        && (server.DaveGroupUserIds.Contains(old.UserId) || server.Users().Length == 0);
}
