namespace AudioOrchestrator.Testing.Cluster;

/// <summary>What a failover run measured.</summary>
/// <param name="Scenario"><c>kill</c> (SIGKILL of one silo) or <c>rolling</c> (every silo stopped with SIGTERM and restarted, one at a time).</param>
/// <param name="Sessions">Sessions posting uploads throughout.</param>
/// <param name="Uploads">Uploads sent.</param>
/// <param name="FailedUploads">Uploads not answered with a 200 (refused, timed out, connection lost): the client was told nothing.</param>
/// <param name="ToldTurns">Turns a client was told about (a 200's turns, <c>answerCompleted</c> events).</param>
/// <param name="LostTurnIds">Of those, the turns missing from the persisted history (the turn archive) afterwards.</param>
/// <param name="CutAnswerDetails">Answers that started (<c>answerStarted</c>) but never completed: each turn, when it started and whether an upload's 200 told it.</param>
/// <param name="RecoverySeconds">Kill: from the kill to the last session answering again (an upload sent after the kill); rolling: the longest such gap over the restarts.</param>
/// <param name="DownSilo">The silo stopped (kill) or the silos in order (rolling).</param>
public sealed record FailoverReport(
    string Scenario,
    int Sessions,
    int Uploads,
    int FailedUploads,
    int ToldTurns,
    IReadOnlyList<string> LostTurnIds,
    IReadOnlyList<string> CutAnswerDetails,
    double RecoverySeconds,
    string DownSilo)
{
    /// <summary>Per session, the uploads around the failure (rolling: around each stop): sent and answered (seconds from it) and the status (0 = no response).</summary>
    public string Timeline { get; init; } = "";

    /// <summary>Kill only: failure detection and each session's first uploads after the kill (null for the rolling restart).</summary>
    public FailoverBreakdown? Breakdown { get; init; }

    /// <summary>Kill only: the wall-clock time of the kill (to read the processes' UTC-stamped logs against).</summary>
    public DateTimeOffset? KilledAtUtc { get; init; }

    public int LostTurns => LostTurnIds.Count;

    public int CutAnswers => CutAnswerDetails.Count;

    public override string ToString() =>
        $"{Scenario}: {Sessions} sessions, {Uploads} uploads ({FailedUploads} not answered), {ToldTurns} turns told, {LostTurns} lost, "
        + $"{CutAnswers} answers cut, recovery {RecoverySeconds:0.0} s (down: {DownSilo})";
}

/// <summary>One session around a kill, in seconds from it: its first upload sent after the kill, and its first answered one.</summary>
/// <param name="FirstSentS">When the first upload after the kill was sent.</param>
/// <param name="FirstEndedS">When it ended (answered, refused or given up).</param>
/// <param name="FirstStatus">Its HTTP status (0 = no response: the client gave up or the connection broke).</param>
/// <param name="UnansweredBefore">Uploads sent after the kill that were not answered before the first answered one.</param>
/// <param name="AnsweredSentS">When the first answered upload sent after the kill was sent.</param>
/// <param name="AnsweredEndedS">When it was answered (the session's recovery).</param>
/// <param name="InFlightEndedS">When the upload in flight at the kill ended, and its status (null: none was in flight).</param>
public sealed record SessionRecovery(
    string SessionId, double FirstSentS, double FirstEndedS, int FirstStatus, int UnansweredBefore, double AnsweredSentS, double AnsweredEndedS,
    (double EndedS, int Status)? InFlightEndedS);

/// <summary>Where the seconds of a kill's recovery went: the cluster's failure detection and each session's uploads.</summary>
/// <param name="SuspectedS">Seconds from the kill until another silo wrote a suspicion of the victim in the membership table (null: not seen).</param>
/// <param name="DeclaredDeadS">Seconds from the kill until the membership table said the victim was dead (null: not seen).</param>
public sealed record FailoverBreakdown(double? SuspectedS, double? DeclaredDeadS, IReadOnlyList<SessionRecovery> Sessions)
{
    public override string ToString()
    {
        var lines = new List<string>
        {
            string.Create(System.Globalization.CultureInfo.InvariantCulture, $"victim suspected +{SuspectedS:0.00} s, declared dead +{DeclaredDeadS:0.00} s (membership table)"),
            "session: in flight at the kill -> ended (status) | first upload after the kill sent..ended (status) | unanswered before | answered upload sent..ended",
        };
        lines.AddRange(Sessions.Select(s => string.Create(
            System.Globalization.CultureInfo.InvariantCulture,
            $"{s.SessionId}: {(s.InFlightEndedS is { } f ? $"+{f.EndedS:0.00} ({f.Status})" : "none")} | +{s.FirstSentS:0.00}..+{s.FirstEndedS:0.00} ({s.FirstStatus}) | {s.UnansweredBefore} | +{s.AnsweredSentS:0.00}..+{s.AnsweredEndedS:0.00}")));
        return string.Join('\n', lines);
    }
}
