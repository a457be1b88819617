using System.Globalization;

namespace AudioOrchestrator.Contracts;

/// <summary>
/// How Discord voice maps onto sessions: one session per guild (it survives channel moves), one speaker per user
/// (the user id in decimal).
/// </summary>
public static class DiscordSessions
{
    private const string Prefix = "discord-";

    /// <summary>The session id of a guild's voice conversation, e.g. <c>discord-81384788765712384</c>.</summary>
    public static string SessionId(ulong guildId) => Prefix + guildId.ToString(CultureInfo.InvariantCulture);

    /// <summary>The speaker id of a Discord user.</summary>
    public static string SpeakerId(ulong userId) => userId.ToString(CultureInfo.InvariantCulture);

    /// <summary>The guild of a Discord session id; false for sessions of other transports.</summary>
    public static bool TryGetGuildId(string? sessionId, out ulong guildId)
    {
        guildId = 0;
        return sessionId is not null
            && sessionId.StartsWith(Prefix, StringComparison.Ordinal)
            && ulong.TryParse(sessionId.AsSpan(Prefix.Length), NumberStyles.None, CultureInfo.InvariantCulture, out guildId);
    }
}
