using System.Globalization;

using AudioOrchestrator.Contracts;

namespace AudioOrchestrator.Ingress.Discord;

/// <summary>
/// How Discord maps onto sessions: one session per guild (it survives channel moves), one speaker per user (the user
/// id in decimal). The session says what it is through its profile (<see cref="OpenAsync"/>), not through its id.
/// </summary>
public static class DiscordSessions
{
    private const string Prefix = "discord-";

    /// <summary>The session id of a guild's voice conversation, e.g. <c>discord-81384788765712384</c>.</summary>
    public static string SessionId(ulong guildId) => Prefix + guildId.ToString(CultureInfo.InvariantCulture);

    /// <summary>The speaker id of a Discord user.</summary>
    public static string SpeakerId(ulong userId) => userId.ToString(CultureInfo.InvariantCulture);

    /// <summary>Opens the guild's session as a Discord session (before its audio or typed questions reach it).</summary>
    public static Task OpenAsync(IGrainFactory grains, ulong guildId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(grains);
        return grains.GetGrain<IConversationGrain>(SessionId(guildId)).OpenAsync(SessionProfile.Discord(guildId)).WaitAsync(cancellationToken);
    }
}
