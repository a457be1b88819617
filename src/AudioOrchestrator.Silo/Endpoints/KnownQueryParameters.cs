using System.Reflection;
using Microsoft.AspNetCore.Mvc;

namespace AudioOrchestrator.Silo.Endpoints;

/// <summary>
/// Refuses query parameters an endpoint does not take (400 with a problem body naming them and the ones it takes), so a
/// misspelt filter (<c>?guild=</c> for <c>?guildId=</c>) is an error instead of a silently unfiltered answer. The names
/// taken are read from the handler's parameters bound from the query.
/// </summary>
public static class KnownQueryParameters
{
    /// <summary>Adds the check to the endpoint (or every endpoint of a group).</summary>
    public static TBuilder RefuseUnknownQueryParameters<TBuilder>(this TBuilder builder)
        where TBuilder : IEndpointConventionBuilder => builder.AddEndpointFilterFactory((factory, next) =>
        {
            var known = factory.MethodInfo.GetParameters().Where(IsFromQuery).Select(QueryName).ToHashSet(StringComparer.OrdinalIgnoreCase);
            return context =>
            {
                if (context.HttpContext.GetEndpoint()?.Metadata.GetMetadata<OwnQueryParameterCheck>() is not null)
                {
                    return next(context);
                }

                var unknown = context.HttpContext.Request.Query.Keys.Where(k => !known.Contains(k)).ToArray();
                return unknown.Length == 0
                    ? next(context)
                    : ValueTask.FromResult<object?>(TypedResults.Problem(
                        $"Unknown query parameter{(unknown.Length > 1 ? "s" : "")} {string.Join(", ", unknown.Select(k => $"'{k}'"))}; "
                        + (known.Count == 0 ? "this endpoint takes none." : $"this endpoint takes {string.Join(", ", known.Order(StringComparer.Ordinal))}."),
                        statusCode: StatusCodes.Status400BadRequest,
                        title: "Unknown query parameter"));
            };
        });

    /// <summary>
    /// Exempts the endpoint from the check: it checks its query itself (the live voice WebSocket, which answers a bad query
    /// by closing the socket with a reason a browser can read, not with a 400).
    /// </summary>
    public static TBuilder ChecksItsOwnQueryParameters<TBuilder>(this TBuilder builder)
        where TBuilder : IEndpointConventionBuilder => builder.WithMetadata(new OwnQueryParameterCheck());

    private static string QueryName(ParameterInfo parameter) => parameter.GetCustomAttribute<FromQueryAttribute>()?.Name ?? parameter.Name!;

    /// <summary>A simple value not taken from the route, a header, the body or the services: minimal APIs bind it from the query.</summary>
    private static bool IsFromQuery(ParameterInfo parameter)
    {
        if (parameter.GetCustomAttribute<FromQueryAttribute>() is not null)
        {
            return true;
        }

        if (parameter.GetCustomAttributes().Any(a => a is FromHeaderAttribute or FromRouteAttribute or FromBodyAttribute or FromServicesAttribute)
            || parameter.Name is SessionRouteValues.SessionId or SessionRouteValues.TurnId)
        {
            return false;
        }

        var type = Nullable.GetUnderlyingType(parameter.ParameterType) ?? parameter.ParameterType;
        return type == typeof(string) || type.IsPrimitive || type.IsEnum || type == typeof(DateTimeOffset) || type == typeof(DateTime) || type == typeof(Guid);
    }

    /// <summary>The route values of the session endpoints (never query parameters).</summary>
    private static class SessionRouteValues
    {
        public const string SessionId = "sessionId";
        public const string TurnId = "turnId";
    }
}

/// <summary>Endpoint metadata: the endpoint checks its own query parameters (<see cref="KnownQueryParameters.ChecksItsOwnQueryParameters{TBuilder}"/>).</summary>
public sealed class OwnQueryParameterCheck;
