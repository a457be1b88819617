using System.Collections.Concurrent;
using Microsoft.Extensions.Options;

namespace AudioOrchestrator.Ingress.Discord.Commands;

/// <summary>
/// Where a guild's text answers go: the channel of the last slash command used in the guild, else the configured
/// <c>Discord:FallbackTextChannels:{guildId}</c>.
/// </summary>
public sealed class DiscordTextChannels(IOptions<DiscordCommandOptions> options)
{
    private readonly ConcurrentDictionary<ulong, ulong> _lastCommandChannel = new();

    /// <summary>Remembers the channel a slash command came from.</summary>
    public void RememberCommandChannel(ulong guildId, ulong channelId) => _lastCommandChannel[guildId] = channelId;

    /// <summary>The text channel for the guild's answers, or null when none is known.</summary>
    public ulong? For(ulong guildId) =>
        _lastCommandChannel.TryGetValue(guildId, out var channel) ? channel : options.Value.FallbackChannelFor(guildId);
}
