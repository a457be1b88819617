using System.Globalization;
using System.Text.Json;
using AudioOrchestrator.Testing;
using AudioOrchestrator.Testing.Cluster;

// Cluster failover on loopback: three silos and an ingress-only process as separate OS processes on PostgreSQL
// (AUDIOORCHESTRATOR_TEST_POSTGRES names a server; a database is created and dropped). Sessions post uploads and follow
// their event streams while (1) one silo is killed with SIGKILL, then, on a fresh cluster, (2) every silo is stopped
// with SIGTERM and restarted, one at a time. Usage: [sessions (default 9)]. One figure per line; the last line is JSON.
var sessions = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 9;
var figures = new Dictionary<string, double>(StringComparer.Ordinal);
using var cancel = new CancellationTokenSource(TimeSpan.FromMinutes(15));

await using (var db = await PostgresTestDatabase.CreateAsync(cancel.Token, pooling: true))
await using (var cluster = await FailoverCluster.StartAsync(db.ConnectionString, siloCount: 3, settings: null, cancel.Token))
{
    var kill = await FailoverScenario.KillOneSiloAsync(cluster, sessions, victimIndex: 1, cancel.Token);
    Console.Error.WriteLine(kill);
    figures["failover_lost_turns"] = kill.LostTurns;
    figures["failover_recovery_s"] = Math.Round(kill.RecoverySeconds, 2);
    figures["failover_told_turns"] = kill.ToldTurns;
    figures["failover_failed_uploads"] = kill.FailedUploads;
    figures["failover_cut_answers"] = kill.CutAnswers;
}

await using (var db = await PostgresTestDatabase.CreateAsync(cancel.Token, pooling: true))
await using (var cluster = await FailoverCluster.StartAsync(db.ConnectionString, siloCount: 3, settings: null, cancel.Token))
{
    var rolling = await FailoverScenario.RollingRestartAsync(cluster, sessions, cancel.Token);
    Console.Error.WriteLine(rolling);
    figures["rolling_lost_turns"] = rolling.LostTurns;
    figures["rolling_cut_answers"] = rolling.CutAnswers;
    figures["rolling_failed_uploads"] = rolling.FailedUploads;
    figures["rolling_told_turns"] = rolling.ToldTurns;
    figures["rolling_max_gap_s"] = Math.Round(rolling.RecoverySeconds, 2);
}

foreach (var (name, value) in figures)
{
    Console.WriteLine($"{name} = {value.ToString(CultureInfo.InvariantCulture)}");
}

Console.WriteLine(JsonSerializer.Serialize(figures));
