using System.Globalization;
using System.Security.Claims;
using AudioOrchestrator.Discord.Guilds;
using AudioOrchestrator.Ingress.Discord;
using AudioOrchestrator.Silo.Security;
using Microsoft.AspNetCore.Http.HttpResults;

namespace AudioOrchestrator.Silo.Endpoints;

/// <summary>Operators' control of the Discord voice connections: join, leave, and the state per guild.</summary>
public static class GuildEndpoints
{
    /// <summary>Body of a join: the voice channel id (a Discord snowflake, as a string).</summary>
    public sealed record JoinVoiceRequest(string? ChannelId);

    /// <summary>One guild's voice connection; Discord ids are strings (they exceed JavaScript's exact integers).</summary>
    public sealed record GuildVoiceResponse(
        string GuildId,
        int ShardId,
        string State,
        string? ChannelId,
        string SessionId,
        int Speakers,
        int DaveProtocolVersion,
        DateTimeOffset? ConnectedAt)
    {
        public static GuildVoiceResponse From(GuildVoiceStatus status)
        {
            ArgumentNullException.ThrowIfNull(status);
            return new(
                Id(status.GuildId),
                status.ShardId,
                status.State,
                status.ChannelId is { } channel ? Id(channel) : null,
                status.SessionId,
                status.Speakers,
                status.DaveProtocolVersion,
                status.ConnectedAt);
        }
    }

    public static IEndpointRouteBuilder MapGuildEndpoints(this IEndpointRouteBuilder app)
    {
        var guilds = app.MapGroup("/api/v1/guilds").WithTags("Discord").RequireSessionAccess();
        guilds.MapGet("/", ListGuilds)
            .WithName("ListGuilds")
            .WithSummary("Every Discord guild this process serves, with its voice connection state.")
            .WithDescription("A key restricted to guilds sees only them.")
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable)
            .RequireAuthorization(ApiPolicies.GuildStatus);
        guilds.MapGet("/{guildId}", GetGuild)
            .WithName("GetGuild")
            .WithSummary("One guild's voice connection state.")
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable)
            .RequireAuthorization(ApiPolicies.GuildStatus);
        guilds.MapPost("/{guildId}/voice", JoinAsync)
            .WithName("JoinVoiceChannel")
            .WithSummary("Joins (or moves to) a voice channel; returns once audio can flow.")
            .WithDescription("Body: {\"channelId\": \"<voice channel id>\"}. Discord ids are decimal strings.")
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status502BadGateway)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable)
            .ProducesProblem(StatusCodes.Status504GatewayTimeout)
            .RequireAuthorization(ApiPolicies.GuildsOperate);
        guilds.MapDelete("/{guildId}/voice", LeaveAsync)
            .WithName("LeaveVoiceChannel")
            .WithSummary("Leaves the guild's voice channel (no error when not in one).")
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable)
            .RequireAuthorization(ApiPolicies.GuildsOperate);
        return app;
    }

    private static Results<Ok<GuildVoiceResponse[]>, ProblemHttpResult> ListGuilds(IServiceProvider services, ClaimsPrincipal user) =>
        services.GetService<IGuildVoiceControl>() is { } control
            ? TypedResults.Ok(control.GetGuilds().Select(GuildVoiceResponse.From).Where(g => SessionAccess.AllowsGuild(user, g.GuildId)).ToArray())
            : NotConfigured();

    private static Results<Ok<GuildVoiceResponse>, ProblemHttpResult> GetGuild(string guildId, IServiceProvider services)
    {
        if (services.GetService<IGuildVoiceControl>() is not { } control)
        {
            return NotConfigured();
        }

        if (!TryParseId(guildId, out var guild))
        {
            return InvalidId("guild id", guildId);
        }

        return control.GetStatus(guild) is { } status ? TypedResults.Ok(GuildVoiceResponse.From(status)) : UnknownGuild(guild);
    }

    private static async Task<Results<Ok<GuildVoiceResponse>, ProblemHttpResult>> JoinAsync(
        string guildId, JoinVoiceRequest? body, IServiceProvider services, CancellationToken cancellationToken)
    {
        if (services.GetService<IGuildVoiceControl>() is not { } control)
        {
            return NotConfigured();
        }

        if (!TryParseId(guildId, out var guild))
        {
            return InvalidId("guild id", guildId);
        }

        if (body?.ChannelId is not { } channelText || !TryParseId(channelText, out var channel))
        {
            return InvalidId("channelId", body?.ChannelId);
        }

        if (control.GetStatus(guild) is null)
        {
            return UnknownGuild(guild);
        }

        try
        {
            return TypedResults.Ok(GuildVoiceResponse.From(await control.JoinAsync(guild, channel, cancellationToken)));
        }
        catch (GuildVoiceException ex)
        {
            var timeout = ex.InnerException is GuildVoiceJoinException { Failure: GuildVoiceFailure.Timeout };
            return TypedResults.Problem(
                ex.Message,
                statusCode: timeout ? StatusCodes.Status504GatewayTimeout : StatusCodes.Status502BadGateway,
                title: timeout ? "Discord did not answer the voice join in time" : "The voice join failed");
        }
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> LeaveAsync(string guildId, IServiceProvider services, CancellationToken cancellationToken)
    {
        if (services.GetService<IGuildVoiceControl>() is not { } control)
        {
            return NotConfigured();
        }

        if (!TryParseId(guildId, out var guild))
        {
            return InvalidId("guild id", guildId);
        }

        if (control.GetStatus(guild) is null)
        {
            return UnknownGuild(guild);
        }

        await control.LeaveAsync(guild, cancellationToken);
        return TypedResults.NoContent();
    }

    /// <summary>A Discord snowflake: a non-zero unsigned 64-bit decimal.</summary>
    private static bool TryParseId(string? text, out ulong id) =>
        ulong.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out id) && id != 0;

    private static string Id(ulong id) => id.ToString(CultureInfo.InvariantCulture);

    private static ProblemHttpResult InvalidId(string what, string? value) => TypedResults.Problem(
        $"The {what} must be a Discord id (a non-zero unsigned 64-bit decimal string); got '{value}'.",
        statusCode: StatusCodes.Status400BadRequest,
        title: "Invalid Discord id");

    private static ProblemHttpResult UnknownGuild(ulong guildId) => TypedResults.Problem(
        $"The bot is not in guild {guildId}, or another ingress process serves its shard.", statusCode: StatusCodes.Status404NotFound, title: "Unknown guild");

    private static ProblemHttpResult NotConfigured() => TypedResults.Problem(
        "The Discord transport is not configured (set Discord:Token).", statusCode: StatusCodes.Status503ServiceUnavailable, title: "Discord not configured");
}
