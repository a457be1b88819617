using AudioOrchestrator.Discord.Rest;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AudioOrchestrator.Ingress.Discord.Commands;

/// <summary>
/// Posts answers that could not be spoken to the guild's text chat (<see cref="DiscordTextChannels"/>) with
/// <c>POST /channels/{id}/messages</c>, unless it is the answer of a <c>/ask</c> of the guild (in flight or answered
/// within <see cref="TextAnswerLedger.Window"/>): the user already has that one as the command's reply. Never throws
/// for Discord failures or a guild without a known text channel: those are logged and counted, the caller's playback
/// path goes on.
/// </summary>
public sealed partial class DiscordTextFallback(
    DiscordInteractionRestClient rest,
    DiscordTextChannels channels,
    TextAnswerLedger answers,
    SlashCommandStatistics statistics,
    IOptions<DiscordCommandOptions> options,
    TimeProvider clock,
    ILogger<DiscordTextFallback> logger) : IDiscordTextFallback
{
    public async Task PostAsync(ulong guildId, string text, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return;
        }

        var asked = answers.Relevant(guildId);
        if (asked.Count == 0)
        {
            await PostNowAsync(guildId, text, cancellationToken).ConfigureAwait(false);
            return;
        }

        // Decided off the caller's path: the /ask waiting for this very answer may be the next listener of the stream
        // event the caller is handling, so waiting here for it would hold both up.
        _ = Task.Run(() => PostUnlessAskedAsync(asked, guildId, text), CancellationToken.None);
    }

    private async Task PostUnlessAskedAsync(IReadOnlyList<TextAnswerLedger.Entry> asked, ulong guildId, string text)
    {
        try
        {
            if (await TextAnswerLedger.AnsweredWithAsync(asked, text, options.Value.AskTimeout, clock, CancellationToken.None).ConfigureAwait(false))
            {
                statistics.OnFallbackSkipped();
                LogSkipped(logger, guildId, text.Length);
                return;
            }

            await PostNowAsync(guildId, text, CancellationToken.None).ConfigureAwait(false);
        }
#pragma warning disable CA1031 // A background post has no caller to report to: log and count.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            statistics.OnFallbackFailed();
            LogFailed(logger, ex, guildId, channels.For(guildId) ?? 0);
        }
    }

    private async Task PostNowAsync(ulong guildId, string text, CancellationToken cancellationToken)
    {
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

    [LoggerMessage(EventId = 4723, Level = LogLevel.Information, Message = "Guild {GuildId}: an unspoken answer of {Length} characters is already the reply to a /ask: not posted again")]
    private static partial void LogSkipped(ILogger logger, ulong guildId, int length);

    [LoggerMessage(EventId = 4722, Level = LogLevel.Warning, Message = "Guild {GuildId}: posting an unspoken answer to channel {ChannelId} failed")]
    private static partial void LogFailed(ILogger logger, Exception exception, ulong guildId, ulong channelId);
}
