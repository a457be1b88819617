using System.Globalization;
using System.Text.Json;
using AudioOrchestrator.Testing;
using AudioOrchestrator.Testing.Cluster;

// Cluster failover on loopback: three silos and an ingress-only process as separate OS processes on PostgreSQL
// (AUDIOORCHESTRATOR_TEST_POSTGRES names a server; a database is created and dropped). Sessions post uploads and follow
// their event streams while (1) one silo is killed with SIGKILL, then, on a fresh cluster, (2) every silo is stopped
// with SIGTERM and restarted, one at a time. Usage: [sessions (default 9)] [kill|rolling (default both)] [--logs (every
// process' last lines after the kill, timestamped in UTC; for the rolling restart, every process' whole output in files,
// with the service's own Debug log)]. One figure per line; the last line is JSON.
var sessions = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 9;
var only = args.Skip(1).FirstOrDefault(a => a is "kill" or "rolling");
var logs = args.Contains("--logs");
var figures = new Dictionary<string, double>(StringComparer.Ordinal);
using var cancel = new CancellationTokenSource(TimeSpan.FromMinutes(15));

if (only is null or "kill")
{
    // With --logs, Orleans' membership and messaging say what they saw (suspicions, the death, rejected messages).
    Dictionary<string, string>? verbose = logs
        ? new(StringComparer.Ordinal) { ["Logging:LogLevel:Orleans.Runtime.MembershipService"] = "Information", ["Logging:LogLevel:Orleans.Runtime.Messaging"] = "Information" }
        : null;
    await using var db = await PostgresTestDatabase.CreateAsync(cancel.Token, pooling: true);
    await using var cluster = await FailoverCluster.StartAsync(db.ConnectionString, siloCount: 3, verbose, cancel.Token);
    var kill = await FailoverScenario.KillOneSiloAsync(cluster, sessions, victimIndex: 1, cancel.Token);
    Console.Error.WriteLine(kill);
    Console.Error.WriteLine(kill.Breakdown);
    Console.Error.WriteLine(string.Join('\n', kill.CutAnswerDetails));
    figures["failover_lost_turns"] = kill.LostTurns;
    figures["failover_recovery_s"] = Math.Round(kill.RecoverySeconds, 2);
    figures["failover_told_turns"] = kill.ToldTurns;
    figures["failover_failed_uploads"] = kill.FailedUploads;
    figures["failover_cut_answers"] = kill.CutAnswers;
    figures["failover_declared_dead_s"] = Math.Round(kill.Breakdown?.DeclaredDeadS ?? double.NaN, 2);
    if (logs)
    {
        Console.Error.WriteLine($"killed at {kill.KilledAtUtc:HH:mm:ss.fff} UTC\n{cluster.RecentOutput}");
    }
}

if (only is null or "rolling")
{
    await using var db = await PostgresTestDatabase.CreateAsync(cancel.Token, pooling: true);
    var logDirectory = logs ? Directory.CreateTempSubdirectory("rolling-logs-").FullName : null;
    Dictionary<string, string>? verbose = logs
        ? new(StringComparer.Ordinal) { ["Logging:LogLevel:AudioOrchestrator"] = "Debug", ["Logging:LogLevel:Orleans.Runtime.MembershipService"] = "Information" }
        : null;
    await using var cluster = await FailoverCluster.StartAsync(db.ConnectionString, siloCount: 3, verbose, cancel.Token, logDirectory);
    if (logDirectory is not null)
    {
        Console.Error.WriteLine($"every process' output: {logDirectory}");
    }

    var rolling = await FailoverScenario.RollingRestartAsync(cluster, sessions, cancel.Token);
    Console.Error.WriteLine(rolling);
    Console.Error.WriteLine(string.Join('\n', rolling.CutAnswerDetails));
    Console.Error.WriteLine(rolling.Timeline);
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
