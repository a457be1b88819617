using AudioOrchestrator.Discord.Voice;

namespace AudioOrchestrator.Discord.Guilds;

/// <summary>Where a guild's voice connection stands.</summary>
public enum GuildVoiceState
{
    /// <summary>Not in a voice channel.</summary>
    Disconnected,

    /// <summary>op 4 sent; waiting for the voice events or the voice handshake.</summary>
    Joining,

    /// <summary>Audio can flow.</summary>
    Connected,

    /// <summary>Closed with 4014: waiting for new voice server events (a channel move).</summary>
    Moving,

    /// <summary>Rejoining after a session-invalid close or a failed connect.</summary>
    Reconnecting,
}

/// <summary>One guild's voice connection as the manager sees it.</summary>
public sealed record GuildVoiceSnapshot(
    ulong GuildId,
    int ShardId,
    GuildVoiceState State,
    ulong? ChannelId,
    int DaveProtocolVersion,
    DateTimeOffset? ConnectedAt);

/// <summary>A guild's voice connection became usable (first join, rejoin, move): attach playback here.</summary>
public sealed record GuildVoiceConnected(ulong GuildId, ulong ChannelId, DiscordVoiceConnection Connection);

/// <summary>A guild's voice connection went away; <see cref="Final"/> is true when no reconnect follows.</summary>
public sealed record GuildVoiceDisconnected(ulong GuildId, bool Final, string Reason);

/// <summary>Why a join failed.</summary>
public enum GuildVoiceFailure
{
    /// <summary>The bot is not in the guild (no GUILD_CREATE seen on the shards).</summary>
    UnknownGuild,

    /// <summary>No voice events (or no endpoint) within the join timeout.</summary>
    Timeout,

    /// <summary>The voice server refused the connection or the handshake failed.</summary>
    ConnectFailed,

    /// <summary>A leave or another join replaced this join.</summary>
    Superseded,
}

/// <summary>A join that could not be carried out. The message never carries tokens.</summary>
public sealed class GuildVoiceJoinException : Exception
{
    public GuildVoiceJoinException()
    {
    }

    public GuildVoiceJoinException(string message)
        : base(message)
    {
    }

    public GuildVoiceJoinException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public GuildVoiceJoinException(GuildVoiceFailure failure, string message, Exception? innerException = null)
        : base(message, innerException)
    {
        Failure = failure;
    }

    /// <summary>The kind of failure.</summary>
    public GuildVoiceFailure Failure { get; }
}
