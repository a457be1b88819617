namespace AudioOrchestrator.Discord.Fakes.Chaos;

/// <summary>How often and how the fake Discord disrupts its clients.</summary>
public sealed class FakeChaosOptions
{
    /// <summary>Seed of the disruption schedule and kinds (the same seed gives the same sequence).</summary>
    public int Seed { get; set; } = 14;

    /// <summary>Mean time between disruptions (each interval uniform in [0.5, 1.5] of it). Discord-like: 30 s.</summary>
    public TimeSpan MeanInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>The kinds drawn from (uniformly).</summary>
    public IList<FakeChaosKind> Kinds { get; } = [.. FakeChaosKinds.All];

    /// <summary>The next disruption waits until the previous one was recovered from (or <see cref="RecoveryTimeout"/>).</summary>
    public bool WaitForRecovery { get; set; } = true;

    /// <summary>Time allowed for a recovery before the disruption counts as not recovered.</summary>
    public TimeSpan RecoveryTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Time between the 4014 of a moved call and the VOICE_SERVER_UPDATE of its new server.</summary>
    public TimeSpan MoveDelay { get; set; } = TimeSpan.FromMilliseconds(50);

    /// <summary>The gateway heartbeat interval the clients were given (Hello), for the late-ACK kinds.</summary>
    public TimeSpan GatewayHeartbeatInterval { get; set; } = TimeSpan.FromMilliseconds(41_250);

    /// <summary>The voice heartbeat interval the clients were given, for the late-ACK kinds.</summary>
    public TimeSpan VoiceHeartbeatInterval { get; set; } = TimeSpan.FromMilliseconds(13_750);

    /// <summary>The bot's user id (to see it back in the DAVE group).</summary>
    public ulong BotUserId { get; set; } = 900_000_000_000_000_001;
}
