namespace AudioOrchestrator.Discord.Fakes;

/// <summary>What the fake Discord knows and how it behaves.</summary>
public sealed class FakeDiscordOptions
{
    /// <summary>The only bot token accepted.</summary>
    public string Token { get; set; } = "fake-bot-token.NOT-A-REAL-SECRET";

    /// <summary>Leave a client's close frame unanswered and the connection open (a server that stopped responding).</summary>
    public bool IgnoreClientClose { get; set; }

    /// <summary>Heartbeat interval sent in Hello (Discord: 41250 ms).</summary>
    public int HeartbeatIntervalMs { get; set; } = 41250;

    /// <summary><c>shards</c> of <c>GET /gateway/bot</c>.</summary>
    public int RecommendedShards { get; set; } = 1;

    /// <summary><c>max_concurrency</c>: identify buckets.</summary>
    public int MaxConcurrency { get; set; } = 1;

    /// <summary>Window of one identify per bucket (Discord: 5 s).</summary>
    public TimeSpan IdentifyWindow { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Client events allowed per connection and window before close 4008 (Discord: 120 per 60 s).</summary>
    public int SendLimit { get; set; } = 120;

    /// <summary>Window of <see cref="SendLimit"/>.</summary>
    public TimeSpan SendWindow { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>The fake's clock for rate windows and timestamps (a test may share a fake clock with the client).</summary>
    public TimeProvider TimeProvider { get; set; } = TimeProvider.System;

    /// <summary>The bot's user id.</summary>
    public ulong BotUserId { get; set; } = 900_000_000_000_000_001;

    /// <summary>The application id.</summary>
    public ulong ApplicationId { get; set; } = 900_000_000_000_000_001;

    /// <summary>Intents the application may use (others: close 4014).</summary>
    public int AllowedIntents { get; set; } = (1 << 0) | (1 << 7) | (1 << 9);

    /// <summary>Voice server endpoint sent in VOICE_SERVER_UPDATE after op 4 joins.</summary>
    public string? VoiceEndpoint { get; set; } = "127.0.0.1:9";

    /// <summary>Voice endpoint per (guild, channel) for VOICE_SERVER_UPDATE; null (or a null answer) falls back to <see cref="VoiceEndpoint"/>.</summary>
    public Func<ulong, ulong, string?>? VoiceEndpointFor { get; set; }

    /// <summary>The guilds the bot is in.</summary>
    public IList<FakeGuild> Guilds { get; } = [];
}

/// <summary>A guild and the users in its voice channels.</summary>
public sealed record FakeGuild(ulong Id, string Name, IReadOnlyList<FakeVoiceState> VoiceStates);

/// <summary>A user in a voice channel.</summary>
public sealed record FakeVoiceState(ulong UserId, ulong ChannelId, string SessionId);

/// <summary>A payload the fake received from a client.</summary>
public sealed record FakeReceivedPayload(int ConnectionId, int Op, string Json, TimeSpan At);

/// <summary>An op 4 the fake received.</summary>
public sealed record FakeVoiceStateRequest(int ShardId, ulong GuildId, ulong? ChannelId, bool SelfMute, bool SelfDeaf, TimeSpan At);
