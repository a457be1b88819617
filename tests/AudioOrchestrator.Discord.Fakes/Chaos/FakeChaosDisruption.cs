using System.Diagnostics;

namespace AudioOrchestrator.Discord.Fakes.Chaos;

/// <summary>One disruption and, once seen, how the client recovered from it.</summary>
public sealed class FakeChaosDisruption
{
    private readonly Lock _gate = new();
    private string? _outcome;
    private long _recoveredAt;

    internal FakeChaosDisruption(int number, FakeChaosKind kind, ulong? guildId)
    {
        Number = number;
        Kind = kind;
        GuildId = guildId;
        Timestamp = Stopwatch.GetTimestamp();
    }

    /// <summary>1-based, in order.</summary>
    public int Number { get; }

    public FakeChaosKind Kind { get; }

    /// <summary>The guild whose voice connection was disrupted (voice kinds).</summary>
    public ulong? GuildId { get; }

    /// <summary>When it was inflicted (<see cref="Stopwatch.GetTimestamp"/>).</summary>
    public long Timestamp { get; }

    /// <summary>
    /// How the client recovered: <c>resumed</c>, <c>identified</c> (a new gateway session and voice rejoined),
    /// <c>rejoined</c> (new voice session, DAVE group joined again), <c>kept</c> (late ACKs, connection kept),
    /// or <c>failed: …</c>; null while pending.
    /// </summary>
    public string? Outcome
    {
        get
        {
            lock (_gate)
            {
                return _outcome;
            }
        }
    }

    /// <summary>True once recovered as the protocol asks (not failed).</summary>
    public bool Recovered => Outcome is { } o && !o.StartsWith("failed", StringComparison.Ordinal);

    /// <summary>Time from the disruption to the recovery, once recovered.</summary>
    public TimeSpan? RecoveryTime
    {
        get
        {
            lock (_gate)
            {
                return _outcome is null ? null : Stopwatch.GetElapsedTime(Timestamp, _recoveredAt);
            }
        }
    }

    public override string ToString() => $"#{Number} {Kind}{(GuildId is { } g ? " guild " + g : string.Empty)}: {Outcome ?? "pending"}";

    internal void Complete(string outcome)
    {
        lock (_gate)
        {
            if (_outcome is null)
            {
                _outcome = outcome;
                _recoveredAt = Stopwatch.GetTimestamp();
            }
        }
    }
}
