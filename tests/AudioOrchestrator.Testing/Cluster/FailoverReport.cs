namespace AudioOrchestrator.Testing.Cluster;

/// <summary>What a failover run measured.</summary>
/// <param name="Scenario"><c>kill</c> (SIGKILL of one silo) or <c>rolling</c> (every silo stopped with SIGTERM and restarted, one at a time).</param>
/// <param name="Sessions">Sessions posting uploads throughout.</param>
/// <param name="Uploads">Uploads sent.</param>
/// <param name="FailedUploads">Uploads not answered with a 200 (refused, timed out, connection lost): the client was told nothing.</param>
/// <param name="ToldTurns">Turns a client was told about (a 200's turns, <c>answerCompleted</c> events).</param>
/// <param name="LostTurnIds">Of those, the turns missing from the persisted history (the turn archive) afterwards.</param>
/// <param name="CutAnswers">Answers that started (<c>answerStarted</c>) but never completed.</param>
/// <param name="RecoverySeconds">Kill: from the kill to the last session answering again (an upload sent after the kill); rolling: the longest such gap over the restarts.</param>
/// <param name="DownSilo">The silo stopped (kill) or the silos in order (rolling).</param>
public sealed record FailoverReport(
    string Scenario,
    int Sessions,
    int Uploads,
    int FailedUploads,
    int ToldTurns,
    IReadOnlyList<string> LostTurnIds,
    int CutAnswers,
    double RecoverySeconds,
    string DownSilo)
{
    /// <summary>Per session, the uploads around the failure: sent and answered (seconds from it) and the status (0 = no response).</summary>
    public string Timeline { get; init; } = "";

    public int LostTurns => LostTurnIds.Count;

    public override string ToString() =>
        $"{Scenario}: {Sessions} sessions, {Uploads} uploads ({FailedUploads} not answered), {ToldTurns} turns told, {LostTurns} lost, "
        + $"{CutAnswers} answers cut, recovery {RecoverySeconds:0.0} s (down: {DownSilo})";
}
