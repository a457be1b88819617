namespace AudioOrchestrator.Ingress.Discord;

/// <summary>
/// Joins and leaves voice channels on behalf of operators (REST) and users (slash commands). Implemented by the
/// Discord transport; one instance per ingress process, covering the shards that process holds.
/// </summary>
public interface IGuildVoiceControl
{
    /// <summary>Joins (or moves to) <paramref name="channelId"/> and returns once audio can flow, or throws <see cref="GuildVoiceException"/>.</summary>
    Task<GuildVoiceStatus> JoinAsync(ulong guildId, ulong channelId, CancellationToken cancellationToken);

    /// <summary>Leaves the guild's voice channel; false when the bot was not in one.</summary>
    Task<bool> LeaveAsync(ulong guildId, CancellationToken cancellationToken);

    /// <summary>The guild's voice state as this process sees it; null for a guild the bot is not in or whose shard another process holds.</summary>
    GuildVoiceStatus? GetStatus(ulong guildId);

    /// <summary>Every guild this process serves, with its voice state.</summary>
    IReadOnlyList<GuildVoiceStatus> GetGuilds();
}

/// <summary>One guild's voice connection as operators see it.</summary>
/// <param name="GuildId">The guild.</param>
/// <param name="ShardId">The gateway shard that serves the guild.</param>
/// <param name="State"><c>Disconnected</c>, <c>Joining</c>, <c>Connected</c>, <c>Moving</c> or <c>Reconnecting</c>.</param>
/// <param name="ChannelId">The voice channel, when joined or joining.</param>
/// <param name="SessionId">The conversation session the guild's voice feeds (<c>discord-{guildId}</c>).</param>
/// <param name="Speakers">Users heard since the connection started.</param>
/// <param name="DaveProtocolVersion">0 = transport encryption only; 1 = DAVE end-to-end encryption.</param>
/// <param name="ConnectedAt">When audio last became able to flow.</param>
public sealed record GuildVoiceStatus(
    ulong GuildId,
    int ShardId,
    string State,
    ulong? ChannelId,
    string SessionId,
    int Speakers,
    int DaveProtocolVersion,
    DateTimeOffset? ConnectedAt);

/// <summary>A join or leave that could not be carried out (unknown guild, missing permission, timeout).</summary>
public sealed class GuildVoiceException : Exception
{
    public GuildVoiceException()
    {
    }

    public GuildVoiceException(string message)
        : base(message)
    {
    }

    public GuildVoiceException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>Posts an answer to a guild's text chat when it cannot be spoken (implemented by the slash-command side).</summary>
public interface IDiscordTextFallback
{
    /// <summary>Posts <paramref name="text"/> to the text channel associated with the guild's voice session.</summary>
    Task PostAsync(ulong guildId, string text, CancellationToken cancellationToken);
}
