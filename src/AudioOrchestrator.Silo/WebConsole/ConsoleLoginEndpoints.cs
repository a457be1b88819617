using AudioOrchestrator.Silo.Security;
using Microsoft.AspNetCore.Http.HttpResults;

namespace AudioOrchestrator.Silo.WebConsole;

/// <summary>
/// The web console's login: an API key typed into the page is checked like any key and kept in an HttpOnly cookie
/// (<see cref="ConsoleCookie"/>) that the API key handler accepts, so the browser's WebSocket and EventSource
/// requests (which cannot carry headers) are authenticated too. Logout clears it.
/// </summary>
public static class ConsoleLoginEndpoints
{
    /// <summary>Body of a login: the API key in clear (sent once, over the page's own connection).</summary>
    public sealed record ConsoleLoginRequest(string? Key);

    /// <summary>Who the console is now: the key's name and scopes; <c>KeysRequired</c> false when the service is open (no cookie is set).</summary>
    public sealed record ConsoleLoginResponse(bool KeysRequired, string? KeyName, IReadOnlyList<string> Scopes);

    public static IEndpointRouteBuilder MapConsoleLoginEndpoints(this IEndpointRouteBuilder app)
    {
        var console = app.MapGroup("/api/v1/console").WithTags("Console");
        console.MapPost("/login", Login)
            .WithName("ConsoleLogin")
            .WithSummary("Checks an API key and keeps it in an HttpOnly, SameSite=Strict cookie for the browser console (WebSocket and SSE need it).")
            .WithDescription("Body: {\"key\": \"<api key>\"}. 401 for a key the service does not accept; 403 from a foreign Origin. "
                + "Requests authenticated by the cookie that change something, and WebSocket handshakes, must come from the service's own origin or Cors:AllowedOrigins.")
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .AllowAnonymous();
        console.MapPost("/logout", Logout)
            .WithName("ConsoleLogout")
            .WithSummary("Clears the console's key cookie.")
            .AllowAnonymous();
        return app;
    }

    private static Results<Ok<ConsoleLoginResponse>, ProblemHttpResult> Login(
        ConsoleLoginRequest? body, HttpContext context, ApiKeyRegistry keys, AllowedOrigins origins)
    {
        var origin = context.Request.Headers.Origin.ToString();
        if (origin.Length > 0 && !origins.Allows(context.Request, origin))
        {
            return TypedResults.Problem($"Origin '{origin}' may not log in to this service.", statusCode: StatusCodes.Status403Forbidden, title: "Origin not allowed");
        }

        if (!keys.HasKeys)
        {
            return TypedResults.Ok(new ConsoleLoginResponse(KeysRequired: false, KeyName: null, Scopes: ApiScopes.All));
        }

        var presented = body?.Key?.Trim();
        if (string.IsNullOrEmpty(presented) || presented.Length > ConsoleCookie.MaxKeyLength)
        {
            return TypedResults.Problem(
                $"Send {{\"key\": \"<api key>\"}} (1-{ConsoleCookie.MaxKeyLength} characters).", statusCode: StatusCodes.Status400BadRequest, title: "API key missing");
        }

        if (keys.Find(presented) is not { } key)
        {
            return TypedResults.Problem("The API key is not one this service accepts.", statusCode: StatusCodes.Status401Unauthorized, title: "API key not valid");
        }

        context.Response.Cookies.Append(ConsoleCookie.Name, presented, ConsoleCookie.Options(context.Request));
        return TypedResults.Ok(new ConsoleLoginResponse(KeysRequired: true, key.Name, [.. key.Scopes.Order(StringComparer.Ordinal)]));
    }

    private static NoContent Logout(HttpContext context)
    {
        context.Response.Cookies.Delete(ConsoleCookie.Name, ConsoleCookie.Options(context.Request));
        return TypedResults.NoContent();
    }
}
