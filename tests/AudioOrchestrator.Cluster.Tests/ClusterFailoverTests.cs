using AudioOrchestrator.Discord.Fakes.Cluster;
using AudioOrchestrator.Testing;
using AudioOrchestrator.Testing.Cluster;

namespace AudioOrchestrator.Cluster.Tests;

/// <summary>
/// Three silos and an ingress process on PostgreSQL, as separate processes, answering uploads followed on their
/// sessions' event streams: a silo killed (SIGKILL) loses no turn a client was told about and every session answers
/// again; a rolling restart (SIGTERM, one silo at a time) loses nothing, cuts no answer, and every session answers
/// after each restart.
/// </summary>
public sealed class ClusterFailoverTests
{
    private const int Sessions = 6;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_killed_silo_loses_no_told_turn_its_sessions_answer_again_and_its_discord_shard_is_taken_over()
    {
        await using var db = await PostgresTestDatabase.CreateAsync(Ct, pooling: true);
        await using var discord = await ClusterDiscord.StartAsync();
        await using var cluster = await FailoverCluster.StartAsync(db.ConnectionString, siloCount: 3, discord.Settings(), Ct);

        // Each of the two shards is held by one process (at most one each), its guild's voice channel joined; the
        // victim is the silo holding shard 0.
        await discord.WaitAllConnectedAsync(cluster, TimeSpan.FromMinutes(1), Ct);
        var (guild, channel) = discord.Guilds[0];
        var holder = await ClusterDiscord.ConnectedServerAsync(cluster, guild, channel, Ct);
        Assert.NotNull(holder);
        var victimIndex = cluster.Silos.ToList().IndexOf(holder);
        Assert.True(victimIndex >= 0, $"shard 0 is held by {holder.Name}, not a silo");

        (double IdentifiedS, double RejoinedS) takeover = default;
        var report = await FailoverScenario.KillOneSiloAsync(cluster, Sessions, victimIndex, Ct, async victim =>
            takeover = await discord.WaitTakenOverAsync(cluster, 0, victim, discord.Gateway.Now, TimeSpan.FromSeconds(90), Ct));
        TestContext.Current.SendDiagnosticMessage($"{report}\n{report.Breakdown}\n{report.Timeline}\nshard 0 identified again after {takeover.IdentifiedS:0.0} s, voice rejoined after {takeover.RejoinedS:0.0} s");

        Assert.True(report.ToldTurns >= Sessions * 4, report.ToString());
        Assert.True(report.LostTurns == 0, $"{report}: lost {string.Join(", ", report.LostTurnIds)}\n{cluster.RecentOutput}");

        // Bounded by FailoverScenario.RecoveryTimeout (generous for a busy machine); the figure itself is the bench's.
        Assert.InRange(report.RecoverySeconds, 0, FailoverScenario.RecoveryTimeout.TotalSeconds);

        // The shard came back on another process with its voice channel (the lease lapses after its TTL; the bench
        // reports the time, the test only that it happened while the cluster kept answering).
        Assert.True(takeover.RejoinedS > 0, "shard 0 was not taken over");
    }

    /// <remarks>
    /// Uploads not answered are measured, not asserted to be 0: a stopping silo's speakers hand their uploads on (see
    /// docs/benchmarks.md, the rolling restart), and the ingress sends again an upload cut before any of its turns, but
    /// one cut after a turn is still answered 503 now and then (sending it again could answer that turn twice).
    /// </remarks>
    [Fact]
    public async Task A_rolling_restart_loses_no_told_turn_cuts_no_answer_and_every_session_answers_again()
    {
        await using var db = await PostgresTestDatabase.CreateAsync(Ct, pooling: true);
        await using var cluster = await FailoverCluster.StartAsync(db.ConnectionString, siloCount: 3, settings: null, Ct);

        var report = await FailoverScenario.RollingRestartAsync(cluster, Sessions, Ct);
        TestContext.Current.SendDiagnosticMessage(report.ToString());

        Assert.True(report.ToldTurns >= Sessions * 4, report.ToString());
        Assert.True(report.LostTurns == 0, $"{report}: lost {string.Join(", ", report.LostTurnIds)}\n{cluster.RecentOutput}");
        Assert.True(report.CutAnswers == 0, $"{report}: cut {string.Join("; ", report.CutAnswerDetails)}\n{report.Timeline}\n{cluster.RecentOutput}");
    }
}
