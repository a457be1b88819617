namespace AudioOrchestrator.Grains.Discord;

/// <summary>The voice channel the bot should be in for one guild (null = none). Stored as JSON.</summary>
[GenerateSerializer]
public sealed class DiscordGuildVoiceChannelState
{
    [Id(0)]
    public ulong? ChannelId { get; set; }

    [Id(1)]
    public DateTimeOffset UpdatedAt { get; set; }
}
