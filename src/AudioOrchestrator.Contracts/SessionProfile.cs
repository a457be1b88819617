using System.Globalization;

namespace AudioOrchestrator.Contracts;

/// <summary>The transports that open sessions.</summary>
public static class SessionTransports
{
    /// <summary>REST uploads and typed messages (the default of a session no transport opened).</summary>
    public const string Rest = "rest";

    /// <summary>A Discord guild's voice channel (and its slash commands).</summary>
    public const string Discord = "discord";

    /// <summary>Live voice over a WebSocket (<c>GET /api/v1/sessions/{id}/live</c>): browsers and other live clients.</summary>
    public const string Live = "live";
}

/// <summary>Whether a session needs the wake phrase, as the transport that opened it asked.</summary>
public enum SessionWake
{
    /// <summary>As configured for the transport (<c>WakeWord:Mode</c>, <c>WakeWord:DiscordMode</c>).</summary>
    Default,

    /// <summary>Only speech that starts with the wake phrase is answered.</summary>
    Required,

    /// <summary>Everything heard is answered.</summary>
    Off,
}

/// <summary>
/// What a session is, as the ingress that opened it said (<see cref="IConversationGrain.OpenAsync"/>): its transport and,
/// for a Discord session, its guild. Listening (wake mode, per-guild overrides), guardrails, prompts and tools follow
/// from it; a session's id says nothing about it.
/// </summary>
/// <param name="Transport">One of <see cref="SessionTransports"/>.</param>
/// <param name="GuildId">The Discord guild (decimal); null for other transports.</param>
/// <param name="Wake">Whether the session needs the wake phrase (a live client may ask; <see cref="SessionWake.Default"/> = as configured).</param>
[GenerateSerializer, Immutable]
public sealed record SessionProfile([property: Id(0)] string Transport, [property: Id(1)] string? GuildId = null, [property: Id(2)] SessionWake Wake = SessionWake.Default)
{
    /// <summary>A session opened by REST (or by nobody yet).</summary>
    public static SessionProfile Rest { get; } = new(SessionTransports.Rest);

    /// <summary>The session of a Discord guild.</summary>
    public static SessionProfile Discord(ulong guildId) => new(SessionTransports.Discord, guildId.ToString(CultureInfo.InvariantCulture));

    /// <summary>A session opened by a live voice client (WebSocket), needing the wake phrase or not as it asked.</summary>
    public static SessionProfile Live(SessionWake wake = SessionWake.Default) => new(SessionTransports.Live, null, wake);

    /// <summary>
    /// Whether opening the session with this profile replaces <paramref name="current"/>: REST never replaces a profile,
    /// a live client never replaces a Discord guild's (a browser joining a guild's session leaves it a guild session),
    /// and a live client that asks nothing about the wake phrase leaves a live session's as it is.
    /// </summary>
    public bool Replaces(SessionProfile? current) =>
        current is null
        || (this != current
            && Transport != SessionTransports.Rest
            && !(Transport == SessionTransports.Live && current.IsDiscord)
            && !(Transport == SessionTransports.Live && Wake == SessionWake.Default && current.Transport == SessionTransports.Live));

    /// <summary>True for a Discord guild's session.</summary>
    public bool IsDiscord => Transport == SessionTransports.Discord;
}
