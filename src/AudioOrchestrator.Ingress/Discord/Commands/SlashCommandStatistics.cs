using System.Diagnostics.Metrics;

namespace AudioOrchestrator.Ingress.Discord.Commands;

/// <summary>
/// Counters of the slash commands and the text fallback of this process, also exported on the meter
/// <c>AudioOrchestrator</c>: <c>audioorchestrator.discord.commands</c> (tag <c>outcome</c>: answered, rejected, failed,
/// unanswerable) and <c>audioorchestrator.discord.text_fallback</c> (tag <c>outcome</c>: posted, skipped, failed).
/// </summary>
public sealed class SlashCommandStatistics
{
    private readonly Counter<long> _commands;
    private readonly Counter<long> _fallbacks;
    private long _received;
    private long _answered;
    private long _rejected;
    private long _failed;
    private long _unanswerable;
    private long _fallbackPosted;
    private long _fallbackFailed;
    private long _fallbackSkipped;

    public SlashCommandStatistics(IMeterFactory meterFactory)
    {
        ArgumentNullException.ThrowIfNull(meterFactory);
        var meter = meterFactory.Create(DiscordIngressMetrics.MeterName);
        _commands = meter.CreateCounter<long>("audioorchestrator.discord.commands", description: "Slash commands by outcome (answered, rejected, failed, unanswerable).");
        _fallbacks = meter.CreateCounter<long>("audioorchestrator.discord.text_fallback", description: "Unspoken answers for text chat by outcome (posted, skipped, failed).");
    }

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

    internal void OnAnswered() => Add(ref _answered, _commands, "answered");

    internal void OnRejected() => Add(ref _rejected, _commands, "rejected");

    internal void OnFailed() => Add(ref _failed, _commands, "failed");

    internal void OnUnanswerable() => Add(ref _unanswerable, _commands, "unanswerable");

    internal void OnFallbackPosted() => Add(ref _fallbackPosted, _fallbacks, "posted");

    internal void OnFallbackFailed() => Add(ref _fallbackFailed, _fallbacks, "failed");

    internal void OnFallbackSkipped() => Add(ref _fallbackSkipped, _fallbacks, "skipped");

    private static void Add(ref long total, Counter<long> counter, string outcome)
    {
        Interlocked.Increment(ref total);
        counter.Add(1, new KeyValuePair<string, object?>("outcome", outcome));
    }
}
