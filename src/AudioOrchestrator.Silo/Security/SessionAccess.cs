using System.Security.Claims;

namespace AudioOrchestrator.Silo.Security;

/// <summary>
/// The guild rule: a key restricted to guilds sees and touches only those guilds and their Discord sessions
/// (<c>discord-{guildId}</c>); any other session or guild does not exist for it (404, not 403, so it learns nothing).
/// </summary>
public static class SessionAccess
{
    private const string DiscordPrefix = "discord-";

    /// <summary>Whether the caller may see and touch the session.</summary>
    public static bool AllowsSession(ClaimsPrincipal user, string? sessionId)
    {
        if (user.RestrictedGuilds() is not { } guilds)
        {
            return true;
        }

        return sessionId is not null
            && sessionId.StartsWith(DiscordPrefix, StringComparison.Ordinal)
            && ApiKeyGuilds.TryNormalize(sessionId[DiscordPrefix.Length..], out var guild)
            && sessionId.Length == DiscordPrefix.Length + guild.Length // canonical: no leading zeros or spaces
            && guilds.Contains(guild);
    }

    /// <summary>Whether the caller may see and operate the guild (its id as the route gives it).</summary>
    public static bool AllowsGuild(ClaimsPrincipal user, string? guildId) =>
        user.RestrictedGuilds() is not { } guilds
        || (ApiKeyGuilds.TryNormalize(guildId, out var guild) && guilds.Contains(guild));

    /// <summary>The 404 of a session the caller may not see: the same as that of a session that does not exist.</summary>
    public static IResult UnknownSession(string? sessionId) => TypedResults.Problem(
        $"No session '{sessionId}'.", statusCode: StatusCodes.Status404NotFound, title: "Unknown session");

    /// <summary>The 404 of a guild the caller may not see.</summary>
    public static IResult UnknownGuild(string? guildId) => TypedResults.Problem(
        $"The bot is not in guild {guildId}, or another ingress process serves its shard.", statusCode: StatusCodes.Status404NotFound, title: "Unknown guild");
}

/// <summary>
/// Applies <see cref="SessionAccess"/> to an endpoint's <c>{sessionId}</c> and <c>{guildId}</c> route values before
/// its handler runs (so before a body is read). Add it with <see cref="SessionAccessEndpointExtensions.RequireSessionAccess{TBuilder}"/>.
/// </summary>
internal sealed class SessionAccessFilter : IEndpointFilter
{
    public const string SessionRouteValue = "sessionId";
    public const string GuildRouteValue = "guildId";

    public ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(next);
        var http = context.HttpContext;
        var route = http.Request.RouteValues;
        if (route.TryGetValue(SessionRouteValue, out var session) && !SessionAccess.AllowsSession(http.User, session as string))
        {
            return ValueTask.FromResult<object?>(SessionAccess.UnknownSession(session as string));
        }

        if (route.TryGetValue(GuildRouteValue, out var guild) && !SessionAccess.AllowsGuild(http.User, guild as string))
        {
            return ValueTask.FromResult<object?>(SessionAccess.UnknownGuild(guild as string));
        }

        return next(context);
    }
}

public static class SessionAccessEndpointExtensions
{
    /// <summary>
    /// The guild rule on the endpoint (or every endpoint of a group): a key restricted to guilds gets 404 for a
    /// <c>{sessionId}</c> or <c>{guildId}</c> outside them. Pair with the scope: <c>.RequireAuthorization(ApiPolicies.SessionsRead).RequireSessionAccess()</c>.
    /// </summary>
    public static TBuilder RequireSessionAccess<TBuilder>(this TBuilder builder)
        where TBuilder : IEndpointConventionBuilder => builder.AddEndpointFilter(new SessionAccessFilter());
}
