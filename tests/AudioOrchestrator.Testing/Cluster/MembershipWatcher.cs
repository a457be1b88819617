using Npgsql;

namespace AudioOrchestrator.Testing.Cluster;

/// <summary>
/// Polls one silo's row in the membership table (<c>orleans_cluster_member</c>) as the cluster writes it, and keeps when
/// another silo first wrote a suspicion of it (<c>suspect_times</c>) and when it was declared dead (status 6), on the
/// caller's clock. Polled every 50 ms: the times are that much late at most.
/// </summary>
public sealed class MembershipWatcher : IAsyncDisposable
{
    private const int DeadStatus = 6;
    private static readonly TimeSpan PollPeriod = TimeSpan.FromMilliseconds(50);
    private readonly string _connectionString;
    private readonly string _clusterId;
    private readonly int _siloPort;
    private readonly Func<double> _now;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;
    private double _suspectedS = double.NaN;
    private double _deadS = double.NaN;

    /// <param name="now">The clock the times are read on (seconds), e.g. <see cref="UploadLoad.Now"/>.</param>
    public MembershipWatcher(string connectionString, string clusterId, int siloPort, Func<double> now)
    {
        _connectionString = connectionString;
        _clusterId = clusterId;
        _siloPort = siloPort;
        _now = now;
        _loop = Task.Run(() => RunAsync(_stop.Token));
    }

    /// <summary>When a suspicion of the silo was first seen in its row (null: not yet).</summary>
    public double? SuspectedS => Volatile.Read(ref _suspectedS) is var s && double.IsNaN(s) ? null : s;

    /// <summary>When the silo's row first said Dead (null: not yet).</summary>
    public double? DeclaredDeadS => Volatile.Read(ref _deadS) is var s && double.IsNaN(s) ? null : s;

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        await _loop.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        _stop.Dispose();
    }

    private async Task RunAsync(CancellationToken stop)
    {
        await using var connection = new NpgsqlConnection(_connectionString);
        await connection.OpenAsync(stop).ConfigureAwait(false);
        await using var command = new NpgsqlCommand(
            "SELECT status, coalesce(suspect_times, '') FROM orleans_cluster_member WHERE cluster_id = @cluster AND port = @port ORDER BY generation DESC LIMIT 1",
            connection);
        command.Parameters.AddWithValue("cluster", _clusterId);
        command.Parameters.AddWithValue("port", _siloPort);
        while (DeclaredDeadS is null)
        {
            await using (var reader = await command.ExecuteReaderAsync(stop).ConfigureAwait(false))
            {
                if (await reader.ReadAsync(stop).ConfigureAwait(false))
                {
                    var now = _now();
                    if (SuspectedS is null && reader.GetString(1).Length > 0)
                    {
                        Volatile.Write(ref _suspectedS, now);
                    }

                    if (reader.GetInt32(0) == DeadStatus)
                    {
                        Volatile.Write(ref _deadS, now);
                    }
                }
            }

            await Task.Delay(PollPeriod, stop).ConfigureAwait(false);
        }
    }
}
