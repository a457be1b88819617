namespace AudioOrchestrator.Discord.Gateway;

/// <summary>
/// The heartbeat of one connection: the first beat after a random fraction of the interval (so shards that
/// connected together do not beat together), then one per interval; a beat due while the previous one is still
/// unacknowledged means the connection is a zombie.
/// </summary>
/// <param name="interval">The interval from Hello.</param>
/// <param name="time">The clock.</param>
/// <param name="random">Jitter of the first beat.</param>
/// <param name="send">Sends one heartbeat payload.</param>
internal sealed class GatewayHeartbeat(TimeSpan interval, TimeProvider time, Random random, Func<CancellationToken, Task> send)
{
    private readonly Lock _gate = new();
    private bool _awaitingAck;
    private long? _sentAt;

    /// <summary>The interval between beats.</summary>
    public TimeSpan Interval => interval;

    /// <summary>Beats until <paramref name="cancellationToken"/> is cancelled; returns when an ACK is missing (a zombie).</summary>
    public async Task RunUntilAckMissingAsync(CancellationToken cancellationToken)
    {
        await Task.Delay(interval * random.NextDouble(), time, cancellationToken).ConfigureAwait(false);
        while (true)
        {
            lock (_gate)
            {
                if (_awaitingAck)
                {
                    return;
                }
            }

            await BeatAsync(cancellationToken).ConfigureAwait(false);
            await Task.Delay(interval, time, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Sends a heartbeat now (also when the server asks with op 1).</summary>
    public Task BeatAsync(CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            _awaitingAck = true;
            _sentAt = time.GetTimestamp();
        }

        return send(cancellationToken);
    }

    /// <summary>A Heartbeat ACK arrived; returns the time since the beat it answers, if one was sent.</summary>
    public TimeSpan? Acknowledge()
    {
        lock (_gate)
        {
            _awaitingAck = false;
            return _sentAt is { } sent ? time.GetElapsedTime(sent) : null;
        }
    }
}
