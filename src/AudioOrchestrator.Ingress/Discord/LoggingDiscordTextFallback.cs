using Microsoft.Extensions.Logging;

namespace AudioOrchestrator.Ingress.Discord;

/// <summary>The default <see cref="IDiscordTextFallback"/> when no text chat is wired: logs that an answer could not be spoken (not its text).</summary>
public sealed partial class LoggingDiscordTextFallback(ILogger<LoggingDiscordTextFallback> logger) : IDiscordTextFallback
{
    public Task PostAsync(ulong guildId, string text, CancellationToken cancellationToken)
    {
        LogNotSpoken(logger, guildId, text?.Length ?? 0);
        return Task.CompletedTask;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Guild {GuildId}: an answer of {Length} characters could not be spoken and no text chat fallback is configured")]
    private static partial void LogNotSpoken(ILogger logger, ulong guildId, int length);
}
