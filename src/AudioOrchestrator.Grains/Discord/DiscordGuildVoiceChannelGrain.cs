using AudioOrchestrator.Contracts;

namespace AudioOrchestrator.Grains.Discord;

/// <summary>
/// The guild's desired voice channel, persisted: a restarted ingress process rejoins it when the guild becomes
/// available. Clearing removes the stored row.
/// </summary>
public sealed class DiscordGuildVoiceChannelGrain(
    [PersistentState("voiceChannel", StorageNames.Sessions)] IPersistentState<DiscordGuildVoiceChannelState> channel,
    TimeProvider clock)
    : Grain, IDiscordGuildVoiceChannelGrain
{
    public async Task SetAsync(ulong? channelId)
    {
        if (channelId == 0)
        {
            throw new ArgumentOutOfRangeException(nameof(channelId), channelId, "A voice channel id is a non-zero snowflake.");
        }

        if (channelId is null)
        {
            if (channel.RecordExists)
            {
                await channel.ClearStateAsync();
            }

            channel.State = new DiscordGuildVoiceChannelState();
            return;
        }

        if (channel.State.ChannelId == channelId && channel.RecordExists)
        {
            return;
        }

        channel.State.ChannelId = channelId;
        channel.State.UpdatedAt = clock.GetUtcNow();
        await channel.WriteStateAsync();
    }

    public Task<ulong?> GetAsync() => Task.FromResult(channel.State.ChannelId);
}
