using System.Collections.Concurrent;

namespace AudioOrchestrator.Discord.Gateway;

/// <summary>Voice states per guild, filled from GUILD_CREATE and kept by VOICE_STATE_UPDATE.</summary>
public sealed class GuildVoiceStateCache
{
    private readonly ConcurrentDictionary<ulong, ConcurrentDictionary<ulong, VoiceState>> _guilds = new();

    /// <summary>Guilds known (available) on this shard.</summary>
    public IReadOnlyCollection<ulong> Guilds => _guilds.Keys.ToArray();

    /// <summary>The voice states of a guild (users in a voice channel).</summary>
    public IReadOnlyList<VoiceState> Get(ulong guildId) =>
        _guilds.TryGetValue(guildId, out var users) ? users.Values.ToArray() : [];

    /// <summary>A user's voice state in a guild, or null if not in a voice channel.</summary>
    public VoiceState? Get(ulong guildId, ulong userId) =>
        _guilds.TryGetValue(guildId, out var users) && users.TryGetValue(userId, out var state) ? state : null;

    /// <summary>The users in one voice channel.</summary>
    public IReadOnlyList<VoiceState> InChannel(ulong guildId, ulong channelId) =>
        Get(guildId).Where(s => s.ChannelId == channelId).ToArray();

    /// <summary>Replaces a guild's voice states (GUILD_CREATE).</summary>
    public void ReplaceGuild(ulong guildId, IEnumerable<VoiceState> states)
    {
        var users = new ConcurrentDictionary<ulong, VoiceState>();
        foreach (var state in states)
        {
            if (state.ChannelId is not null)
            {
                users[state.UserId] = state;
            }
        }

        _guilds[guildId] = users;
    }

    /// <summary>Applies a VOICE_STATE_UPDATE: a null channel removes the user.</summary>
    public void Apply(VoiceState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        var users = _guilds.GetOrAdd(state.GuildId, _ => new ConcurrentDictionary<ulong, VoiceState>());
        if (state.ChannelId is null)
        {
            users.TryRemove(state.UserId, out _);
        }
        else
        {
            users[state.UserId] = state;
        }
    }

    /// <summary>Forgets a guild (GUILD_DELETE).</summary>
    public void RemoveGuild(ulong guildId) => _guilds.TryRemove(guildId, out _);

    /// <summary>Forgets everything (new session).</summary>
    public void Clear() => _guilds.Clear();
}
