using AudioOrchestrator.Discord;

namespace AudioOrchestrator.Ingress.Discord.Commands;

/// <summary>The voice channel a user is in, from the gateway's voice-state cache.</summary>
public interface IDiscordVoiceStates
{
    /// <summary>The user's current voice channel in the guild, or null.</summary>
    ulong? ChannelOf(ulong guildId, ulong userId);
}

/// <summary><see cref="IDiscordVoiceStates"/> over the shards' caches (filled from GUILD_CREATE and VOICE_STATE_UPDATE).</summary>
public sealed class ShardVoiceStates(DiscordShardManager shards) : IDiscordVoiceStates
{
    public ulong? ChannelOf(ulong guildId, ulong userId)
    {
        try
        {
            return shards.GetVoiceState(guildId, userId)?.ChannelId;
        }
        catch (InvalidOperationException)
        {
            return null; // shards not started yet
        }
    }
}
