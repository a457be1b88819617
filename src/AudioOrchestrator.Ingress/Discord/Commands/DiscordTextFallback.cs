using AudioOrchestrator.Discord.Rest;
using Microsoft.Extensions.Logging;

namespace AudioOrchestrator.Ingress.Discord.Commands;

/// <summary>
/// Posts answers that could not be spoken to the guild's text chat (<see cref="DiscordTextChannels"/>) with
/// <c>POST /channels/{id}/messages</c>. Never throws for Discord failures or a guild without a known text channel:
/// those are logged and counted, the caller's playback path goes on.
/// </summary>
public sealed partial class DiscordTextFallback(
    DiscordInteractionRestClient rest,
    DiscordTextChannels channels,
    SlashCommandStatistics statistics,
    ILogger<DiscordTextFallback> logger) : IDiscordTextFallback
{
    public async Task PostAsync(ulong guildId, string text, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return;
        }

        if (channels.For(guildId) is not { } channelId)
        {
            statistics.OnFallbackFailed();
            LogNoChannel(logger, guildId, text.Length);
            return;
        }

        try
        {
            await rest.CreateMessageAsync(channelId, text, cancellationToken).ConfigureAwait(false);
            statistics.OnFallbackPosted();
            LogPosted(logger, guildId, channelId, text.Length);
        }
        catch (DiscordRestException ex)
        {
            statistics.OnFallbackFailed();
            LogFailed(logger, ex, guildId, channelId);
        }
    }

    [LoggerMessage(EventId = 4720, Level = LogLevel.Information, Message = "Guild {GuildId}: an answer of {Length} characters that could not be spoken was posted to channel {ChannelId}")]
    private static partial void LogPosted(ILogger logger, ulong guildId, ulong channelId, int length);

    [LoggerMessage(EventId = 4721, Level = LogLevel.Warning, Message = "Guild {GuildId}: an answer of {Length} characters could not be spoken and no text channel is known (use a slash command there or set Discord:FallbackTextChannels)")]
    private static partial void LogNoChannel(ILogger logger, ulong guildId, int length);

    [LoggerMessage(EventId = 4722, Level = LogLevel.Warning, Message = "Guild {GuildId}: posting an unspoken answer to channel {ChannelId} failed")]
    private static partial void LogFailed(ILogger logger, Exception exception, ulong guildId, ulong channelId);
}
