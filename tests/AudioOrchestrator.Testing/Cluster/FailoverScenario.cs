using System.Globalization;
using System.Text.Json;

namespace AudioOrchestrator.Testing.Cluster;

/// <summary>
/// The failover scenarios against a running <see cref="FailoverCluster"/>, judged from outside like a client: what a
/// client was told about must be in the persisted history (the turn archive, <c>GET /api/v1/sessions/{id}/turns</c>),
/// and every session must answer again.
/// </summary>
public static class FailoverScenario
{
    /// <summary>How long the sessions may take to answer again after a silo went away (failure detection included).</summary>
    public static TimeSpan RecoveryTimeout { get; } = TimeSpan.FromSeconds(90);

    /// <summary>
    /// Sessions post uploads; once each was answered twice, one silo is killed (SIGKILL). Waits until every session
    /// answered twice more, then compares what clients were told with the archive.
    /// </summary>
    /// <param name="whileDown">Started right after the kill (e.g. watching a transport recover), awaited before the judgement.</param>
    public static async Task<FailoverReport> KillOneSiloAsync(
        FailoverCluster cluster, int sessions, int victimIndex, CancellationToken cancellationToken, Func<ServiceProcess, Task>? whileDown = null)
    {
        ArgumentNullException.ThrowIfNull(cluster);
        await using var load = new UploadLoad(cluster.Http, sessions, TimeSpan.FromSeconds(15));
        await load.StartAsync(cancellationToken).ConfigureAwait(false);
        await WaitAnsweredAsync(load, cluster, 0, 2, TimeSpan.FromSeconds(120), "every session answered twice before the kill").ConfigureAwait(false);

        var victim = cluster.Silos[victimIndex];
        await using var membership = cluster.WatchMembership(victim, () => load.Now);
        var killedAt = load.Now;
        var killedAtUtc = DateTimeOffset.UtcNow;
        await victim.KillAsync().ConfigureAwait(false);
        var watching = whileDown?.Invoke(victim) ?? Task.CompletedTask;
        await WaitAnsweredAsync(load, cluster, killedAt, 2, RecoveryTimeout, $"every session answered again after {victim.Name} was killed").ConfigureAwait(false);
        await watching.ConfigureAwait(false);
        var recovery = load.AnsweredAgainAfter(killedAt).Values.Max() ?? double.NaN;
        await load.StopAsync().ConfigureAwait(false);
        var report = await JudgeAsync("kill", cluster, load, recovery, victim.Name, cancellationToken).ConfigureAwait(false);
        return report with { Timeline = Timeline(load, killedAt), Breakdown = Breakdown(load, killedAt, membership), KilledAtUtc = killedAtUtc };
    }

    /// <summary>Failure detection (from the membership table) and each session's uploads around the kill at <paramref name="atS"/>.</summary>
    private static FailoverBreakdown Breakdown(UploadLoad load, double atS, MembershipWatcher membership)
    {
        var sessions = load.SessionIds.Select(s =>
        {
            var outcomes = load.Outcomes.Where(o => o.SessionId == s).ToList();
            var inFlight = outcomes.FirstOrDefault(o => o.StartedS < atS && o.EndedS >= atS);
            var after = outcomes.Where(o => o.StartedS >= atS).ToList();
            var first = after[0];
            var answered = after.First(o => o.Answered);
            return new SessionRecovery(
                s, first.StartedS - atS, first.EndedS - atS, first.Status, after.TakeWhile(o => !o.Answered).Count(),
                answered.StartedS - atS, answered.EndedS - atS, inFlight is null ? null : (inFlight.EndedS - atS, inFlight.Status));
        }).ToList();
        return new FailoverBreakdown(membership.SuspectedS - atS, membership.DeclaredDeadS - atS, sessions);
    }

    /// <summary>
    /// Sessions post uploads while every silo in turn is stopped with SIGTERM and started again (ready before the next
    /// one stops); then compares what clients were told with the archive.
    /// </summary>
    public static async Task<FailoverReport> RollingRestartAsync(FailoverCluster cluster, int sessions, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(cluster);
        await using var load = new UploadLoad(cluster.Http, sessions, TimeSpan.FromSeconds(15));
        await load.StartAsync(cancellationToken).ConfigureAwait(false);
        await WaitAnsweredAsync(load, cluster, 0, 2, TimeSpan.FromSeconds(120), "every session answered twice before the restarts").ConfigureAwait(false);

        var recovery = 0.0;
        var timelines = new List<string>();
        foreach (var silo in cluster.Silos)
        {
            var stoppedAt = load.Now;
            var stoppedAtUtc = DateTimeOffset.UtcNow;
            await silo.TerminateAsync(TimeSpan.FromSeconds(90)).ConfigureAwait(false);
            silo.Start();
            await silo.WaitReadyAsync(cluster.Http, FailoverCluster.StartTimeout, cancellationToken).ConfigureAwait(false);
            await WaitAnsweredAsync(load, cluster, stoppedAt, 1, RecoveryTimeout, $"every session answered after {silo.Name} was restarted").ConfigureAwait(false);
            recovery = Math.Max(recovery, load.AnsweredAgainAfter(stoppedAt).Values.Max() ?? double.NaN);
            timelines.Add(string.Create(CultureInfo.InvariantCulture, $"{silo.Name} stopped at {stoppedAtUtc:HH:mm:ss.fff} UTC:\n{Timeline(load, stoppedAt)}"));
        }

        await load.StopAsync().ConfigureAwait(false);
        var report = await JudgeAsync("rolling", cluster, load, recovery, string.Join(',', cluster.Silos.Select(s => s.Name)), cancellationToken).ConfigureAwait(false);
        return report with { Timeline = string.Join('\n', timelines) };
    }

    /// <summary>Each session's uploads from 5 s before <paramref name="atS"/> until its second answer after it.</summary>
    public static string Timeline(UploadLoad load, double atS)
    {
        ArgumentNullException.ThrowIfNull(load);
        var lines = load.SessionIds.Select(s =>
        {
            var answered = 0;
            var shown = load.Outcomes.Where(o => o.SessionId == s && o.EndedS >= atS - 5).TakeWhile(o => (answered += o.Answered && o.StartedS >= atS ? 1 : 0) <= 2);
            return $"{s}: " + string.Join(", ", shown.Select(o => string.Create(CultureInfo.InvariantCulture, $"{o.StartedS - atS:+0.0;-0.0}..{o.EndedS - atS:+0.0;-0.0} {o.Status}")));
        });
        return string.Join('\n', lines);
    }

    private static async Task WaitAnsweredAsync(UploadLoad load, FailoverCluster cluster, double sinceS, int count, TimeSpan timeout, string what)
    {
        try
        {
            await TestWait.UntilAsync(() => load.EverySessionAnsweredSince(sinceS, count), what, timeout).ConfigureAwait(false);
        }
        catch (TimeoutException ex)
        {
            var last = string.Join(", ", load.SessionIds.Select(s => $"{s}: {string.Join(' ', load.Outcomes.Where(o => o.SessionId == s).TakeLast(4).Select(o => o.Status))}"));
            throw new TimeoutException($"{ex.Message} Last statuses: {last}\n{cluster.RecentOutput}", ex);
        }
    }

    /// <summary>
    /// Waits (up to a minute: the archive is written behind the turns) until every turn a client was told about is in
    /// the archive; what is still missing then is lost.
    /// </summary>
    private static async Task<FailoverReport> JudgeAsync(
        string scenario, FailoverCluster cluster, UploadLoad load, double recovery, string down, CancellationToken cancellationToken)
    {
        var told = load.ToldTurns();
        var missing = new List<string>();
        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(1);
        while (true)
        {
            missing.Clear();
            foreach (var (session, turns) in told)
            {
                var archived = await ArchivedTurnIdsAsync(cluster.Http, session, cancellationToken).ConfigureAwait(false);
                missing.AddRange(turns.Where(t => !archived.Contains(t)).Select(t => $"{session}/{t}"));
            }

            if (missing.Count == 0 || DateTime.UtcNow > deadline)
            {
                break;
            }

            await Task.Delay(500, cancellationToken).ConfigureAwait(false);
        }

        var outcomes = load.Outcomes;
        var cut = load.Watchers.SelectMany(w => w.Started.Except(w.Completed).Select(t => CutAnswer(w, t, outcomes))).ToList();
        return new FailoverReport(
            scenario, load.SessionIds.Count, outcomes.Count, outcomes.Count(o => !o.Answered), told.Values.Sum(t => t.Count), missing, cut, recovery, down);
    }

    /// <summary>A turn whose <c>answerStarted</c> came without its <c>answerCompleted</c>: when, and whether an upload's 200 told it.</summary>
    private static string CutAnswer(SessionEventWatcher watcher, string turnId, IReadOnlyList<UploadOutcome> outcomes)
    {
        var toldBy200 = outcomes.Any(o => o.SessionId == watcher.SessionId && o.TurnIds.Contains(turnId));
        return string.Create(CultureInfo.InvariantCulture, $"{watcher.SessionId}/{turnId} started {watcher.StartedAt(turnId):HH:mm:ss.fff} UTC, {(toldBy200 ? "answered by its upload's 200" : "not in any 200")}");
    }

    /// <summary>Every turn id of a session in the archive (all pages).</summary>
    public static async Task<HashSet<string>> ArchivedTurnIdsAsync(HttpClient http, string sessionId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(http);
        var ids = new HashSet<string>(StringComparer.Ordinal);
        string? cursor = null;
        do
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(TimeSpan.FromSeconds(30));
            var url = $"api/v1/sessions/{sessionId}/turns?limit=200" + (cursor is null ? "" : "&cursor=" + Uri.EscapeDataString(cursor));
            using var response = await http.GetAsync(url, timeout.Token).ConfigureAwait(false);
            response.EnsureSuccessStatusCode();
            using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync(timeout.Token).ConfigureAwait(false));
            foreach (var item in json.RootElement.GetProperty("items").EnumerateArray())
            {
                ids.Add(item.GetProperty("turnId").GetString()!);
            }

            cursor = json.RootElement.TryGetProperty("nextCursor", out var next) && next.ValueKind == JsonValueKind.String ? next.GetString() : null;
        }
        while (cursor is not null);
        return ids;
    }
}
