using System.Text.Json;

namespace AudioOrchestrator.Discord.Gateway;

/// <summary>A shard: zero-based id and total count.</summary>
public readonly record struct ShardInfo(int Id, int Count)
{
    /// <summary>The shard that receives a guild's events: <c>(guild_id &gt;&gt; 22) % num_shards</c>.</summary>
    public static int ForGuild(ulong guildId, int shardCount)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(shardCount, 1);
        return (int)((guildId >> 22) % (ulong)shardCount);
    }
}

/// <summary>The connection state of one shard.</summary>
public enum GatewayConnectionState
{
    /// <summary>Not started.</summary>
    Created,

    /// <summary>Opening the WebSocket or waiting for Hello.</summary>
    Connecting,

    /// <summary>Identify sent, waiting for Ready.</summary>
    Identifying,

    /// <summary>Resume sent, waiting for the replay to end (Resumed).</summary>
    Resuming,

    /// <summary>Session established: events flow.</summary>
    Ready,

    /// <summary>Between connections (backoff).</summary>
    Reconnecting,

    /// <summary>Stopped on request.</summary>
    Stopped,

    /// <summary>Stopped on a fatal close code.</summary>
    Faulted,
}

/// <summary>The Ready event: a new session.</summary>
public sealed record GatewayReady(int ShardId, string SessionId, Uri ResumeGatewayUrl, ulong UserId, IReadOnlyList<ulong> GuildIds);

/// <summary>A session was resumed; missed events were replayed before it.</summary>
public sealed record GatewayResumed(int ShardId, string SessionId, int ReplayedEvents);

/// <summary>A guild became available (GUILD_CREATE).</summary>
public sealed record GuildAvailable(int ShardId, ulong GuildId, string? Name, IReadOnlyList<VoiceState> VoiceStates);

/// <summary>A user's voice connection status (voice state object).</summary>
public sealed record VoiceState(
    ulong GuildId,
    ulong? ChannelId,
    ulong UserId,
    string SessionId,
    bool Deaf,
    bool Mute,
    bool SelfDeaf,
    bool SelfMute,
    bool Suppress);

/// <summary>VOICE_SERVER_UPDATE: the voice server to connect to. <see cref="Endpoint"/> null means the server is moving: wait.</summary>
/// <remarks><see cref="ToString"/> does not print the voice token.</remarks>
public sealed record VoiceServerUpdate(int ShardId, ulong GuildId, string Token, string? Endpoint)
{
    /// <inheritdoc />
    public override string ToString() => $"VoiceServerUpdate {{ ShardId = {ShardId}, GuildId = {GuildId}, Token = [redacted], Endpoint = {Endpoint} }}";
}

/// <summary>INTERACTION_CREATE (slash commands). <see cref="Data"/> and <see cref="Raw"/> are detached copies.</summary>
/// <remarks><see cref="ToString"/> does not print the interaction token.</remarks>
public sealed record InteractionCreate(
    int ShardId,
    ulong Id,
    ulong ApplicationId,
    int Type,
    string Token,
    ulong? GuildId,
    ulong? ChannelId,
    ulong? UserId,
    string? CommandName,
    JsonElement Data,
    JsonElement Raw)
{
    /// <inheritdoc />
    public override string ToString() =>
        $"InteractionCreate {{ ShardId = {ShardId}, Id = {Id}, Type = {Type}, GuildId = {GuildId}, ChannelId = {ChannelId}, UserId = {UserId}, CommandName = {CommandName}, Token = [redacted] }}";
}

/// <summary>Any dispatch (op 0) as received; <see cref="Data"/> is a detached copy.</summary>
public sealed record GatewayDispatch(int ShardId, string Name, long Sequence, JsonElement Data);

/// <summary>The gateway stopped for good on a fatal close code (4004, 4010-4014).</summary>
public sealed class DiscordGatewayFatalException : Exception
{
    /// <summary>Creates the exception.</summary>
    public DiscordGatewayFatalException()
    {
    }

    /// <summary>Creates the exception.</summary>
    public DiscordGatewayFatalException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception.</summary>
    public DiscordGatewayFatalException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates the exception for a close code.</summary>
    public DiscordGatewayFatalException(int shardId, int closeCode)
        : base($"Discord gateway shard {shardId} closed with fatal code {closeCode}: {GatewayCloseCodes.Describe(closeCode)}. Not reconnecting.")
    {
        CloseCode = closeCode;
    }

    /// <summary>The close code.</summary>
    public int? CloseCode { get; }
}

/// <summary>Counters of one shard (all connections).</summary>
public sealed class GatewayStatistics
{
    private long _malformed;
    private long _unknownOpcodes;
    private long _heartbeatsSent;
    private long _heartbeatAcks;
    private long _identifies;
    private long _resumes;
    private long _connections;
    private long _zombies;
    private long _dispatches;

    /// <summary>Messages dropped because they were not valid gateway JSON (or too large, or binary).</summary>
    public long MalformedPayloads => Interlocked.Read(ref _malformed);

    /// <summary>Messages dropped because of an unknown opcode.</summary>
    public long UnknownOpcodes => Interlocked.Read(ref _unknownOpcodes);

    /// <summary>Heartbeats sent.</summary>
    public long HeartbeatsSent => Interlocked.Read(ref _heartbeatsSent);

    /// <summary>Heartbeat ACKs received.</summary>
    public long HeartbeatAcks => Interlocked.Read(ref _heartbeatAcks);

    /// <summary>Identify payloads sent.</summary>
    public long Identifies => Interlocked.Read(ref _identifies);

    /// <summary>Resume payloads sent.</summary>
    public long Resumes => Interlocked.Read(ref _resumes);

    /// <summary>WebSocket connections opened.</summary>
    public long Connections => Interlocked.Read(ref _connections);

    /// <summary>Connections closed because a heartbeat was not acknowledged.</summary>
    public long ZombieConnections => Interlocked.Read(ref _zombies);

    /// <summary>Dispatches (op 0) received.</summary>
    public long Dispatches => Interlocked.Read(ref _dispatches);

    internal void Malformed() => Interlocked.Increment(ref _malformed);

    internal void UnknownOpcode() => Interlocked.Increment(ref _unknownOpcodes);

    internal void HeartbeatSent() => Interlocked.Increment(ref _heartbeatsSent);

    internal void HeartbeatAck() => Interlocked.Increment(ref _heartbeatAcks);

    internal void Identified() => Interlocked.Increment(ref _identifies);

    internal void Resumed() => Interlocked.Increment(ref _resumes);

    internal void Connected() => Interlocked.Increment(ref _connections);

    internal void Zombie() => Interlocked.Increment(ref _zombies);

    internal void Dispatch() => Interlocked.Increment(ref _dispatches);
}
