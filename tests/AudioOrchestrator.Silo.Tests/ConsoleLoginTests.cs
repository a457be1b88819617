using System.Net;
using System.Net.Http.Json;
using System.Net.WebSockets;
using AudioOrchestrator.Silo.Security;

namespace AudioOrchestrator.Silo.Tests;

/// <summary>
/// The web console's login cookie: set for a valid key only (HttpOnly, SameSite=Strict, the API's path), accepted like
/// the key, cleared by logout; requests riding on it that change something, and WebSocket handshakes, only from the
/// service's own origin or Cors:AllowedOrigins (no cross-site request forgery or WebSocket hijacking).
/// </summary>
public sealed class ConsoleLoginTests(ApiKeysFixture service) : IClassFixture<ApiKeysFixture>
{
    private const string Foreign = "https://evil.example";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private string Own => service.Http.BaseAddress!.GetLeftPart(UriPartial.Authority);

    private static string Reader => ApiKeysFixture.ScopeKeys[ApiScopes.SessionsRead];

    private static string Writer => ApiKeysFixture.ScopeKeys[ApiScopes.SessionsWrite];

    [Fact]
    public async Task A_valid_key_gets_an_http_only_same_site_cookie_that_authenticates_like_the_key()
    {
        using var http = Client();
        using var login = await LoginAsync(http, Reader);

        Assert.Equal(HttpStatusCode.OK, login.StatusCode);
        var setCookie = Assert.Single(login.Headers.GetValues("Set-Cookie"));
        Assert.StartsWith(ConsoleCookie.Name + "=", setCookie, StringComparison.Ordinal);
        Assert.Contains("httponly", setCookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("samesite=strict", setCookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("path=/api", setCookie, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("secure", setCookie, StringComparison.OrdinalIgnoreCase); // plain http on loopback
        var body = await login.Content.ReadFromJsonAsync<System.Text.Json.JsonElement>(Ct);
        Assert.Equal("sessions-read", body.GetProperty("keyName").GetString());

        using var agents = await SendAsync(http, HttpMethod.Get, "/api/v1/agents", CookieOf(setCookie));
        using var forbidden = await SendAsync(http, HttpMethod.Delete, "/api/v1/sessions/rest-x", CookieOf(setCookie), Own);
        Assert.Equal(HttpStatusCode.OK, agents.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, forbidden.StatusCode); // the key's scopes, as with the header

        using var logout = await http.PostAsync("/api/v1/console/logout", null, Ct);
        Assert.Equal(HttpStatusCode.NoContent, logout.StatusCode);
        var cleared = Assert.Single(logout.Headers.GetValues("Set-Cookie"));
        Assert.StartsWith(ConsoleCookie.Name + "=;", cleared, StringComparison.Ordinal);
        Assert.Contains("expires=Thu, 01 Jan 1970", cleared, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task A_wrong_or_missing_key_gets_a_problem_and_no_cookie()
    {
        using var http = Client();
        using var wrong = await LoginAsync(http, "not-a-configured-key");
        using var missing = await http.PostAsJsonAsync("/api/v1/console/login", new { key = "" }, Ct);
        using var cookieOfWrongKey = await SendAsync(http, HttpMethod.Get, "/api/v1/agents", ConsoleCookie.Name + "=not-a-configured-key");

        Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, missing.StatusCode);
        foreach (var response in new[] { wrong, missing })
        {
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            Assert.False(response.Headers.Contains("Set-Cookie"));
        }

        Assert.Equal(HttpStatusCode.Unauthorized, cookieOfWrongKey.StatusCode);
    }

    [Fact]
    public async Task A_change_riding_on_the_cookie_must_come_from_an_allowed_origin()
    {
        using var http = Client();
        var cookie = await CookieAsync(http, Writer);
        const string path = "/api/v1/sessions/rest-console-origin/messages";

        using var foreign = await SendAsync(http, HttpMethod.Post, path, cookie, Foreign);
        using var noOrigin = await SendAsync(http, HttpMethod.Post, path, cookie, origin: null);
        using var own = await SendAsync(http, HttpMethod.Post, path, cookie, Own);
        using var foreignLogin = await LoginAsync(http, Writer, Foreign);
        using var headerKeyNoOrigin = new HttpRequestMessage(HttpMethod.Post, path);
        headerKeyNoOrigin.Headers.Add(ApiKeyAuthenticationHandler.ApiKeyHeader, Writer);
        using var programmatic = await http.SendAsync(headerKeyNoOrigin, Ct);

        Assert.Equal(HttpStatusCode.Forbidden, foreign.StatusCode);
        Assert.Contains("Origin", await foreign.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Forbidden, noOrigin.StatusCode);
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, own.StatusCode); // through to the handler, which wants JSON
        Assert.Equal(HttpStatusCode.Forbidden, foreignLogin.StatusCode);
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, programmatic.StatusCode); // a key header is no ambient credential
    }

    [Fact]
    public async Task A_web_socket_handshake_from_a_foreign_origin_is_refused_with_the_cookie_or_a_key()
    {
        using var http = Client();
        var cookie = await CookieAsync(http, Writer);

        Assert.Equal(HttpStatusCode.Forbidden, await HandshakeStatusAsync(foreign: true, socket => socket.Options.SetRequestHeader("Cookie", cookie)));
        Assert.Equal(HttpStatusCode.Forbidden, await HandshakeStatusAsync(foreign: true, socket => socket.Options.SetRequestHeader("Authorization", "Bearer " + Writer)));
    }

    [Fact]
    public async Task The_cookie_opens_a_live_socket_from_the_services_own_origin_only()
    {
        using var http = Client();
        var cookie = await CookieAsync(http, Writer);
        var uri = new UriBuilder(service.Http.BaseAddress!) { Scheme = "ws", Path = "/api/v1/sessions/rest-console-live/live", Query = "speaker=ana" }.Uri;

        using var socket = new ClientWebSocket();
        socket.Options.AddSubProtocol("pcm16");
        socket.Options.SetRequestHeader("Origin", Own);
        socket.Options.SetRequestHeader("Cookie", cookie);
        await socket.ConnectAsync(uri, Ct);
        var buffer = new byte[4096];
        var first = await socket.ReceiveAsync(buffer, Ct);
        Assert.Equal(WebSocketMessageType.Text, first.MessageType);
        Assert.Contains("\"event\":\"ready\"", System.Text.Encoding.UTF8.GetString(buffer, 0, first.Count), StringComparison.Ordinal);
        await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "done", Ct);

        Assert.Equal(HttpStatusCode.Forbidden, await HandshakeStatusAsync(foreign: false, s => s.Options.SetRequestHeader("Cookie", cookie), origin: false));
    }

    private async Task<HttpStatusCode?> HandshakeStatusAsync(bool foreign, Action<ClientWebSocket> configure, bool origin = true)
    {
        using var socket = new ClientWebSocket();
        socket.Options.CollectHttpResponseDetails = true;
        socket.Options.AddSubProtocol("pcm16");
        if (origin)
        {
            socket.Options.SetRequestHeader("Origin", foreign ? Foreign : Own);
        }

        configure(socket);
        var uri = new UriBuilder(service.Http.BaseAddress!) { Scheme = "ws", Path = "/api/v1/sessions/rest-console-ws/live", Query = "speaker=ana" }.Uri;
        await Assert.ThrowsAsync<WebSocketException>(() => socket.ConnectAsync(uri, Ct));
        return socket.HttpStatusCode;
    }

    private async Task<string> CookieAsync(HttpClient http, string key)
    {
        using var login = await LoginAsync(http, key);
        Assert.Equal(HttpStatusCode.OK, login.StatusCode);
        return CookieOf(Assert.Single(login.Headers.GetValues("Set-Cookie")));
    }

    private static string CookieOf(string setCookie) => setCookie.Split(';')[0];

    private async Task<HttpResponseMessage> LoginAsync(HttpClient http, string key, string? origin = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/console/login") { Content = JsonContent.Create(new { key }) };
        request.Headers.Add("Origin", origin ?? Own);
        return await http.SendAsync(request, Ct);
    }

    private static async Task<HttpResponseMessage> SendAsync(HttpClient http, HttpMethod method, string path, string cookie, string? origin = null)
    {
        using var request = new HttpRequestMessage(method, path);
        request.Headers.Add("Cookie", cookie);
        if (origin is not null)
        {
            request.Headers.Add("Origin", origin);
        }

        return await http.SendAsync(request, Ct);
    }

    private HttpClient Client() => new(new HttpClientHandler { UseCookies = false, AllowAutoRedirect = false })
    {
        BaseAddress = service.Http.BaseAddress,
        Timeout = TimeSpan.FromSeconds(60),
    };
}

/// <summary>The console on an open service (no keys): its files served at / with a strict content policy; WebSocket handshakes still only from allowed origins.</summary>
public sealed class WebConsoleFilesTests(ServiceFixture service) : IClassFixture<ServiceFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData("/", "text/html")]
    [InlineData("/app.js", "text/javascript")]
    [InlineData("/capture-worklet.js", "text/javascript")]
    [InlineData("/console.css", "text/css")]
    public async Task The_console_files_are_served_anonymously(string path, string mediaType)
    {
        using var response = await service.Http.GetAsync(path, Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(mediaType, response.Content.Headers.ContentType?.MediaType);
        if (mediaType == "text/html")
        {
            Assert.Contains("connect-src 'self'", string.Join(";", response.Headers.GetValues("Content-Security-Policy")), StringComparison.Ordinal);
            Assert.Contains("<main", await response.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task An_open_service_refuses_a_web_socket_from_a_foreign_origin()
    {
        using var socket = new ClientWebSocket();
        socket.Options.CollectHttpResponseDetails = true;
        socket.Options.SetRequestHeader("Origin", "https://evil.example");
        var uri = new UriBuilder(service.Http.BaseAddress!) { Scheme = "ws", Path = "/api/v1/sessions/rest-open-ws/live", Query = "speaker=ana" }.Uri;

        await Assert.ThrowsAsync<WebSocketException>(() => socket.ConnectAsync(uri, Ct));

        Assert.Equal(HttpStatusCode.Forbidden, socket.HttpStatusCode);
    }
}
