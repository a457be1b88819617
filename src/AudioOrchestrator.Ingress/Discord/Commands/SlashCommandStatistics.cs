namespace AudioOrchestrator.Ingress.Discord.Commands;

/// <summary>Counters of the slash commands and the text fallback of this process.</summary>
public sealed class SlashCommandStatistics
{
    private long _received;
    private long _answered;
    private long _rejected;
    private long _failed;
    private long _unanswerable;
    private long _fallbackPosted;
    private long _fallbackFailed;
    private long _fallbackSkipped;

    /// <summary>Interactions received.</summary>
    public long Received => Interlocked.Read(ref _received);

    /// <summary>Commands carried out and answered.</summary>
    public long Answered => Interlocked.Read(ref _answered);

    /// <summary>Bad input (unknown command, missing or malformed option, not in a guild...): answered with an ephemeral error.</summary>
    public long Rejected => Interlocked.Read(ref _rejected);

    /// <summary>Commands that failed while being carried out (join failed, agent failed, timeout): answered with an ephemeral error.</summary>
    public long Failed => Interlocked.Read(ref _failed);

    /// <summary>Interactions no answer could be delivered for (Discord refused the callback or was unreachable).</summary>
    public long Unanswerable => Interlocked.Read(ref _unanswerable);

    /// <summary>Unspoken answers posted to a text channel.</summary>
    public long FallbackPosted => Interlocked.Read(ref _fallbackPosted);

    /// <summary>Unspoken answers that could not be posted (no channel known, or Discord refused).</summary>
    public long FallbackFailures => Interlocked.Read(ref _fallbackFailed);

    /// <summary>Unspoken answers not posted because they already were the reply to a <c>/ask</c>.</summary>
    public long FallbackSkipped => Interlocked.Read(ref _fallbackSkipped);

    internal void OnReceived() => Interlocked.Increment(ref _received);

    internal void OnAnswered() => Interlocked.Increment(ref _answered);

    internal void OnRejected() => Interlocked.Increment(ref _rejected);

    internal void OnFailed() => Interlocked.Increment(ref _failed);

    internal void OnUnanswerable() => Interlocked.Increment(ref _unanswerable);

    internal void OnFallbackPosted() => Interlocked.Increment(ref _fallbackPosted);

    internal void OnFallbackFailed() => Interlocked.Increment(ref _fallbackFailed);

    internal void OnFallbackSkipped() => Interlocked.Increment(ref _fallbackSkipped);
}
