using System.Globalization;

namespace AudioOrchestrator.Contracts;

/// <summary>The transports that open sessions.</summary>
public static class SessionTransports
{
    /// <summary>REST uploads and typed messages (the default of a session no transport opened).</summary>
    public const string Rest = "rest";

    /// <summary>A Discord guild's voice channel (and its slash commands).</summary>
    public const string Discord = "discord";
}

/// <summary>
/// What a session is, as the ingress that opened it said (<see cref="IConversationGrain.OpenAsync"/>): its transport and,
/// for a Discord session, its guild. Listening (wake mode, per-guild overrides), guardrails, prompts and tools follow
/// from it; a session's id says nothing about it.
/// </summary>
/// <param name="Transport">One of <see cref="SessionTransports"/>.</param>
/// <param name="GuildId">The Discord guild (decimal); null for other transports.</param>
[GenerateSerializer, Immutable]
public sealed record SessionProfile([property: Id(0)] string Transport, [property: Id(1)] string? GuildId = null)
{
    /// <summary>A session opened by REST (or by nobody yet).</summary>
    public static SessionProfile Rest { get; } = new(SessionTransports.Rest);

    /// <summary>The session of a Discord guild.</summary>
    public static SessionProfile Discord(ulong guildId) => new(SessionTransports.Discord, guildId.ToString(CultureInfo.InvariantCulture));

    /// <summary>True for a Discord guild's session.</summary>
    public bool IsDiscord => Transport == SessionTransports.Discord;
}
