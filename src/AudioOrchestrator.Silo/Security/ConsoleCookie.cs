namespace AudioOrchestrator.Silo.Security;

/// <summary>
/// The web console's login cookie: it holds the API key a person typed into the console, so the browser can
/// authenticate the requests it cannot put headers on (WebSocket, EventSource). HttpOnly (no script reads it),
/// SameSite=Strict (never sent from another site's page), Secure on https, scoped to the API.
/// </summary>
public static class ConsoleCookie
{
    public const string Name = "ao_console_key";

    /// <summary>The API's paths: the cookie is sent nowhere else (not to the static console files, the Dashboard or /metrics).</summary>
    public const string Path = "/api";

    /// <summary>Upper bound of a key the console accepts (longer text is no key of this service's).</summary>
    public const int MaxKeyLength = 1024;

    public static CookieOptions Options(HttpRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        return new CookieOptions
        {
            HttpOnly = true,
            SameSite = SameSiteMode.Strict,
            Secure = request.IsHttps,
            Path = Path,
            IsEssential = true,
        };
    }
}
