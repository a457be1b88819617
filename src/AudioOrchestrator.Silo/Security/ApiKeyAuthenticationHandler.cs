using System.Net.Http.Headers;
using System.Text;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;

namespace AudioOrchestrator.Silo.Security;

/// <summary>
/// The <c>ApiKey</c> scheme. A key comes as <c>Authorization: Bearer &lt;key&gt;</c> or <c>X-Api-Key: &lt;key&gt;</c>;
/// on the browser pages (<c>/dashboard</c>) and <c>/metrics</c> also as HTTP Basic with the key as the password, so a
/// browser can log in; and from the web console's login cookie (<see cref="ConsoleCookie"/>). Without configured keys,
/// every request is the open caller once <see cref="OpenAccess"/> is granted. A WebSocket handshake, or a request that
/// changes something on the strength of the cookie, must come from an allowed origin (<see cref="AllowedOrigins"/>):
/// others are refused with 403. Challenges and refusals are problem details.
/// </summary>
internal sealed class ApiKeyAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory logger,
    UrlEncoder encoder,
    ApiKeyRegistry keys,
    OpenAccess openAccess,
    AllowedOrigins origins,
    IProblemDetailsService problems) : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "ApiKey";
    public const string ApiKeyHeader = "X-Api-Key";
    public const string Realm = "AudioOrchestrator";

    /// <summary>Paths a browser opens directly: they accept HTTP Basic and their challenge asks for it.</summary>
    private static readonly string[] BasicPaths = ["/dashboard", "/metrics"];

    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        if (!keys.HasKeys)
        {
            if (CrossOrigin(fromCookie: false) is { } refused)
            {
                return Task.FromResult(AuthenticateResult.Fail(refused));
            }

            return Task.FromResult(openAccess.IsGranted
                ? AuthenticateResult.Success(new AuthenticationTicket(ApiCaller.Open(), ApiCaller.OpenAuthenticationType))
                : AuthenticateResult.NoResult());
        }

        var presented = PresentedKey();
        var fromCookie = false;
        if (presented is null && Request.Cookies[ConsoleCookie.Name] is { Length: > 0 and <= ConsoleCookie.MaxKeyLength } cookie)
        {
            presented = cookie;
            fromCookie = true;
        }

        if (CrossOrigin(fromCookie) is { } crossOrigin)
        {
            return Task.FromResult(AuthenticateResult.Fail(crossOrigin));
        }

        if (presented is null)
        {
            return Task.FromResult(AuthenticateResult.NoResult());
        }

        return Task.FromResult(keys.Find(presented) is { } key
            ? AuthenticateResult.Success(new AuthenticationTicket(ApiCaller.ForKey(key), SchemeName))
            : AuthenticateResult.Fail("The API key is not valid."));
    }

    protected override async Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        if ((await HandleAuthenticateOnceSafeAsync()).Failure is CrossOriginRefusal refusal)
        {
            Response.StatusCode = StatusCodes.Status403Forbidden;
            await WriteProblemAsync(StatusCodes.Status403Forbidden, "Origin not allowed", refusal.Message);
            return;
        }

        Response.StatusCode = StatusCodes.Status401Unauthorized;
        if (AcceptsBasic())
        {
            Response.Headers.Append(HeaderNames.WWWAuthenticate, $"Basic realm=\"{Realm}\", charset=\"UTF-8\"");
        }

        var failure = (await HandleAuthenticateOnceSafeAsync()).Failure;
        Response.Headers.Append(HeaderNames.WWWAuthenticate, failure is null
            ? $"Bearer realm=\"{Realm}\""
            : $"Bearer realm=\"{Realm}\", error=\"invalid_token\"");
        await WriteProblemAsync(
            StatusCodes.Status401Unauthorized,
            "API key required",
            failure is null
                ? $"Send an API key as 'Authorization: Bearer <key>' or '{ApiKeyHeader}: <key>'."
                : "The API key is not one this service accepts.");
    }

    protected override Task HandleForbiddenAsync(AuthenticationProperties properties)
    {
        Response.StatusCode = StatusCodes.Status403Forbidden;
        return WriteProblemAsync(StatusCodes.Status403Forbidden, "Scope missing", "The API key does not have the scope this endpoint needs.");
    }

    private async Task WriteProblemAsync(int status, string title, string detail)
    {
        var written = await problems.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = Context,
            ProblemDetails = { Status = status, Title = title, Detail = detail },
        });
        if (!written)
        {
            await Response.WriteAsJsonAsync(new { status, title, detail }, Context.RequestAborted);
        }
    }

    /// <summary>
    /// The refusal of a request a foreign page could have sent: a WebSocket handshake, or a request other than GET/HEAD
    /// authenticated by the cookie, whose <c>Origin</c> is not allowed (or, with the cookie, missing: browsers send it).
    /// </summary>
    private CrossOriginRefusal? CrossOrigin(bool fromCookie)
    {
        var webSocket = AllowedOrigins.IsWebSocketRequest(Request);
        if (!webSocket && !(fromCookie && !HttpMethods.IsGet(Request.Method) && !HttpMethods.IsHead(Request.Method)))
        {
            return null;
        }

        var origin = Request.Headers.Origin.ToString();
        if (origin.Length == 0)
        {
            return fromCookie ? new CrossOriginRefusal("A request authenticated by the console cookie must carry an Origin header.") : null;
        }

        return origins.Allows(Request, origin)
            ? null
            : new CrossOriginRefusal($"Origin '{origin}' may not {(webSocket ? "open a WebSocket to" : "send this request to")} this service; allowed: its own origin and Cors:AllowedOrigins.");
    }

    private string? PresentedKey()
    {
        if (Request.Headers[ApiKeyHeader] is [{ Length: > 0 } header])
        {
            return header.Trim();
        }

        if (!AuthenticationHeaderValue.TryParse(Request.Headers.Authorization.ToString(), out var authorization)
            || string.IsNullOrWhiteSpace(authorization.Parameter))
        {
            return null;
        }

        if (authorization.Scheme.Equals("Bearer", StringComparison.OrdinalIgnoreCase))
        {
            return authorization.Parameter.Trim();
        }

        return authorization.Scheme.Equals("Basic", StringComparison.OrdinalIgnoreCase) && AcceptsBasic()
            ? BasicPassword(authorization.Parameter)
            : null;
    }

    private bool AcceptsBasic() => BasicPaths.Any(p => Request.Path.StartsWithSegments(p, StringComparison.OrdinalIgnoreCase));

    /// <summary>The password of HTTP Basic credentials (any user name); null when they are not valid Basic credentials.</summary>
    private static string? BasicPassword(string parameter)
    {
        Span<byte> bytes = stackalloc byte[1024];
        if (parameter.Length > 1360 || !Convert.TryFromBase64String(parameter, bytes, out var length))
        {
            return null;
        }

        var text = Encoding.UTF8.GetString(bytes[..length]);
        var colon = text.IndexOf(':', StringComparison.Ordinal);
        return colon < 0 ? null : text[(colon + 1)..];
    }
}

/// <summary>Why a request from a foreign origin was refused (answered 403, not 401: a key would not help).</summary>
internal sealed class CrossOriginRefusal(string message) : Exception(message);
