using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using AudioOrchestrator.Archive;
using AudioOrchestrator.Silo.Security;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Routing.Patterns;

namespace AudioOrchestrator.Silo.Tests;

/// <summary>
/// Every endpoint the service maps, from its EndpointDataSource, against the table of who may call it: no key and a
/// wrong key get 401, each scope's key is let in or gets 403 as the table says, and a key restricted to a guild gets
/// 404 for another guild's sessions and guild. An endpoint missing from the table fails the test.
/// </summary>
public sealed class EndpointAccessTests(ApiKeysFixture service) : IClassFixture<ApiKeysFixture>
{
    private const string Anonymous = "(anonymous)";

    /// <summary>"METHOD pattern" to the policy it needs (<see cref="Anonymous"/> for none).</summary>
    private static readonly Dictionary<string, string> Table = new(StringComparer.Ordinal)
    {
        ["POST /api/v1/console/login"] = Anonymous,
        ["POST /api/v1/console/logout"] = Anonymous,
        ["GET /health/live"] = Anonymous,
        ["GET /health/ready"] = Anonymous,
        ["GET /openapi/{documentName}.json"] = Anonymous,
        ["GET /docs/{documentName?}"] = Anonymous,
        ["GET /docs/scalar.js"] = Anonymous,
        ["GET /docs/scalar.aspnetcore.js"] = Anonymous,
        ["GET /docs/favicon.svg"] = Anonymous,
        ["GET /metrics"] = ApiPolicies.Admin,
        ["GET /api/v1/agents"] = ApiPolicies.SessionsRead,
        ["GET /api/v1/sessions/"] = ApiPolicies.SessionsRead,
        ["GET /api/v1/sessions/{sessionId}"] = ApiPolicies.SessionsRead,
        ["GET /api/v1/sessions/{sessionId}/turns"] = ApiPolicies.SessionsRead,
        ["GET /api/v1/sessions/{sessionId}/turns/{turnId}/audio"] = ApiPolicies.SessionsRead,
        ["GET /api/v1/sessions/{sessionId}/events"] = ApiPolicies.SessionsRead,
        ["GET /api/v1/sessions/{sessionId}/transcript"] = ApiPolicies.SessionsRead,
        ["GET /api/v1/sessions/{sessionId}/live"] = ApiPolicies.SessionsWrite,
        ["DELETE /api/v1/sessions/{sessionId}"] = ApiPolicies.Admin,
        ["POST /api/v1/sessions/{sessionId}/utterances"] = ApiPolicies.SessionsWrite,
        ["POST /api/v1/sessions/{sessionId}/messages"] = ApiPolicies.SessionsWrite,
        ["GET /api/v1/guilds/"] = ApiPolicies.GuildStatus,
        ["GET /api/v1/guilds/{guildId}"] = ApiPolicies.GuildStatus,
        ["POST /api/v1/guilds/{guildId}/voice"] = ApiPolicies.GuildsOperate,
        ["DELETE /api/v1/guilds/{guildId}/voice"] = ApiPolicies.GuildsOperate,
    };

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Every_endpoint_answers_each_key_as_the_table_says()
    {
        var endpoints = MappedEndpoints();
        var dashboard = endpoints.Where(e => e.Pattern.StartsWith("/dashboard", StringComparison.Ordinal)).ToArray();
        Assert.NotEmpty(dashboard);
        var unlisted = endpoints.Except(dashboard).Select(e => e.Key).Where(k => !Table.ContainsKey(k)).ToArray();
        Assert.True(unlisted.Length == 0, "Endpoints missing from the access table: " + string.Join("; ", unlisted));
        var gone = Table.Keys.Except(endpoints.Select(e => e.Key)).ToArray();
        Assert.True(gone.Length == 0, "Table rows without an endpoint: " + string.Join("; ", gone));

        using var http = Client();
        var failures = new List<string>();
        foreach (var endpoint in endpoints)
        {
            var policy = endpoint.Pattern.StartsWith("/dashboard", StringComparison.Ordinal) ? ApiPolicies.Admin : Table[endpoint.Key];
            var url = endpoint.Url("rest-session");
            async Task Expect(string who, string? key, Func<HttpStatusCode, bool> ok, string expected)
            {
                using var response = await SendAsync(http, endpoint.Method, url, key);
                if (!ok(response.StatusCode))
                {
                    failures.Add($"{endpoint.Key} ({url}) with {who}: {(int)response.StatusCode}, expected {expected}");
                }
            }

            if (policy == Anonymous)
            {
                await Expect("no key", null, s => s is not (HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden), "no 401/403");
                continue;
            }

            await Expect("no key", null, s => s == HttpStatusCode.Unauthorized, "401");
            await Expect("a wrong key", "not-a-configured-key", s => s == HttpStatusCode.Unauthorized, "401");
            foreach (var (scope, key) in ApiKeysFixture.ScopeKeys)
            {
                var allowed = scope == ApiScopes.Admin || ApiPolicies.Scopes[policy].Contains(scope);
                await Expect($"scope {scope}", key, allowed ? s => s is not (HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden) : s => s == HttpStatusCode.Forbidden, allowed ? "allowed" : "403");
            }

            if (endpoint.Pattern.Contains("{sessionId}", StringComparison.Ordinal) || endpoint.Pattern.Contains("{guildId}", StringComparison.Ordinal))
            {
                // Another guild's session or guild does not exist for a key restricted to guild 111 (even with admin).
                foreach (var other in new[] { "discord-" + ApiKeysFixture.OtherGuild, "rest-session" })
                {
                    using var response = await SendAsync(http, endpoint.Method, endpoint.Url(other), ApiKeysFixture.GuildKey);
                    if (response.StatusCode != HttpStatusCode.NotFound)
                    {
                        failures.Add($"{endpoint.Key} ({endpoint.Url(other)}) with the guild-111 key: {(int)response.StatusCode}, expected 404");
                    }
                }
            }
        }

        Assert.True(failures.Count == 0, string.Join(Environment.NewLine, failures));
    }

    [Fact]
    public async Task A_guild_restricted_key_reaches_its_own_guild_sessions()
    {
        using var http = Client();
        var own = "discord-" + ApiKeysFixture.OwnGuild;

        using var turns = await SendAsync(http, HttpMethod.Get, $"/api/v1/sessions/{own}/turns", ApiKeysFixture.GuildKey);
        using var message = await SendAsync(http, HttpMethod.Post, $"/api/v1/sessions/{own}/messages", ApiKeysFixture.GuildKey);
        using var upload = await SendAsync(http, HttpMethod.Post, $"/api/v1/sessions/{own}/utterances", ApiKeysFixture.GuildKey);

        Assert.Equal(HttpStatusCode.OK, turns.StatusCode);
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, message.StatusCode); // let through to the handler, which wants JSON
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, upload.StatusCode);
    }

    [Fact]
    public async Task The_session_listing_of_a_guild_restricted_key_holds_only_its_guilds_sessions()
    {
        var archive = service.Services.GetRequiredService<ITurnArchive>();
        var at = DateTimeOffset.UtcNow;
        var marker = "listing" + Guid.NewGuid().ToString("N")[..8];
        foreach (var (session, guild) in new[] { ("discord-" + ApiKeysFixture.OwnGuild, ApiKeysFixture.OwnGuild), ("discord-" + ApiKeysFixture.OtherGuild, ApiKeysFixture.OtherGuild), ("rest-" + marker, null) })
        {
            await archive.AppendAsync(new ArchivedTurn(session, guild, "turn-" + marker, "alice", marker, "echo", null, "ok", false, null, null, null, null, at), Ct);
        }

        using var http = Client();
        async Task<string[]> SessionsAsync(string key, string query = "")
        {
            using var response = await SendAsync(http, HttpMethod.Get, $"/api/v1/sessions/?q={marker}{query}", key);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var page = await response.Content.ReadFromJsonAsync<ArchivePage<SessionSummary>>(Ct);
            return [.. page!.Items.Select(s => s.SessionId).Order(StringComparer.Ordinal)];
        }

        Assert.Equal(["discord-" + ApiKeysFixture.OwnGuild], await SessionsAsync(ApiKeysFixture.GuildKey));
        Assert.Empty(await SessionsAsync(ApiKeysFixture.GuildKey, "&guildId=" + ApiKeysFixture.OtherGuild));
        Assert.Equal(
            ["discord-" + ApiKeysFixture.OwnGuild, "discord-" + ApiKeysFixture.OtherGuild, "rest-" + marker],
            await SessionsAsync(ApiKeysFixture.ScopeKeys[ApiScopes.SessionsRead]));
    }

    [Fact]
    public async Task Refusals_are_problem_details_with_a_bearer_challenge()
    {
        using var http = Client();

        using var missing = await SendAsync(http, HttpMethod.Get, "/api/v1/agents", null);
        using var wrong = await SendAsync(http, HttpMethod.Get, "/api/v1/agents", "wrong");
        using var forbidden = await SendAsync(http, HttpMethod.Delete, "/api/v1/sessions/rest-x", ApiKeysFixture.ScopeKeys[ApiScopes.SessionsRead]);
        using var viaHeader = new HttpRequestMessage(HttpMethod.Get, "/api/v1/agents");
        viaHeader.Headers.Add("X-Api-Key", ApiKeysFixture.ScopeKeys[ApiScopes.SessionsRead]);
        using var headerResponse = await http.SendAsync(viaHeader, Ct);

        foreach (var response in new[] { missing, wrong, forbidden })
        {
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            Assert.Contains("\"status\":" + ((int)response.StatusCode).ToString(System.Globalization.CultureInfo.InvariantCulture), await response.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
        }

        Assert.Equal(HttpStatusCode.Unauthorized, missing.StatusCode);
        Assert.Contains(missing.Headers.WwwAuthenticate, h => h.Scheme == "Bearer");
        Assert.DoesNotContain(missing.Headers.WwwAuthenticate, h => h.Scheme == "Basic"); // the API is no browser login
        Assert.Contains(wrong.Headers.WwwAuthenticate, h => h.Scheme == "Bearer" && h.Parameter!.Contains("invalid_token", StringComparison.Ordinal));
        Assert.Equal(HttpStatusCode.Forbidden, forbidden.StatusCode);
        Assert.Equal(HttpStatusCode.OK, headerResponse.StatusCode);
    }

    [Fact]
    public async Task The_dashboard_and_metrics_ask_a_browser_to_log_in_and_take_the_admin_key()
    {
        using var http = Client();
        var admin = ApiKeysFixture.ScopeKeys[ApiScopes.Admin];
        var reader = ApiKeysFixture.ScopeKeys[ApiScopes.SessionsRead];

        foreach (var path in new[] { "/dashboard/", "/metrics" })
        {
            using var prompt = await SendAsync(http, HttpMethod.Get, path, null);
            Assert.Equal(HttpStatusCode.Unauthorized, prompt.StatusCode);
            Assert.Contains(prompt.Headers.WwwAuthenticate, h => h.Scheme == "Basic" && h.Parameter!.Contains("realm=\"AudioOrchestrator\"", StringComparison.Ordinal));

            using var browser = await SendBasicAsync(http, path, "anyone", admin);
            using var prometheus = await SendAsync(http, HttpMethod.Get, path, admin);
            using var notAdmin = await SendBasicAsync(http, path, "anyone", reader);
            using var wrongPassword = await SendBasicAsync(http, path, "anyone", "wrong");
            Assert.Equal(HttpStatusCode.OK, browser.StatusCode);
            Assert.Equal(HttpStatusCode.OK, prometheus.StatusCode);
            Assert.Equal(HttpStatusCode.Forbidden, notAdmin.StatusCode);
            Assert.Equal(HttpStatusCode.Unauthorized, wrongPassword.StatusCode);
        }

        using var metrics = await SendAsync(http, HttpMethod.Get, "/metrics", admin);
        Assert.Contains("# TYPE", await metrics.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);

        // Basic credentials are for the browser pages only: the API wants the key as a bearer token or X-Api-Key.
        using var basicOnApi = await SendBasicAsync(http, "/api/v1/agents", "anyone", admin);
        Assert.Equal(HttpStatusCode.Unauthorized, basicOnApi.StatusCode);
    }

    [Fact]
    public async Task The_openapi_document_declares_the_key_schemes_and_each_operations_requirement()
    {
        using var http = Client();
        using var document = System.Text.Json.JsonDocument.Parse(await http.GetStringAsync("/openapi/v1.json", Ct));
        var root = document.RootElement;

        var schemes = root.GetProperty("components").GetProperty("securitySchemes");
        Assert.Equal("bearer", schemes.GetProperty("Bearer").GetProperty("scheme").GetString());
        Assert.Equal("X-Api-Key", schemes.GetProperty("ApiKeyHeader").GetProperty("name").GetString());
        var delete = root.GetProperty("paths").GetProperty("/api/v1/sessions/{sessionId}").GetProperty("delete");
        Assert.Equal("admin", delete.GetProperty("security")[0].GetProperty("Bearer")[0].GetString());
        foreach (var status in new[] { "401", "403", "429" })
        {
            Assert.True(delete.GetProperty("responses").TryGetProperty(status, out _), $"DELETE session documents no {status}");
        }

        var upload = root.GetProperty("paths").GetProperty("/api/v1/sessions/{sessionId}/utterances").GetProperty("post");
        Assert.Equal("sessions:write", upload.GetProperty("security")[0].GetProperty("Bearer")[0].GetString());
    }

    private HttpClient Client() => new(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = service.Http.BaseAddress, Timeout = TimeSpan.FromSeconds(60) };

    private static async Task<HttpResponseMessage> SendAsync(HttpClient http, HttpMethod method, string url, string? key)
    {
        using var request = new HttpRequestMessage(method, url);
        if (key is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        }

        // Headers only: some endpoints stream (the Dashboard's /Trace); the status is what the table is about.
        return await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, Ct);
    }

    private static async Task<HttpResponseMessage> SendBasicAsync(HttpClient http, string url, string user, string password)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        request.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{user}:{password}")));
        return await http.SendAsync(request, Ct);
    }

    private IReadOnlyList<MappedEndpoint> MappedEndpoints() =>
        [.. service.Services.GetRequiredService<EndpointDataSource>().Endpoints
            .OfType<RouteEndpoint>()
            .SelectMany(e => (e.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods ?? ["GET"]).Select(m => new MappedEndpoint(m, e.RoutePattern)))
            .Where(e => e.Method != "OPTIONS" && e.Method != "HEAD")
            .DistinctBy(e => e.Key)];

    private sealed record MappedEndpoint(string Method, RoutePattern Route)
    {
        public string Pattern => "/" + (Route.RawText ?? "").TrimStart('/');

        public string Key => $"{Method} {Pattern}";

        /// <summary>A URL of the endpoint: <paramref name="sessionId"/> for a session, a guild of the other guild, samples for the rest.</summary>
        public string Url(string sessionId)
        {
            var path = new StringBuilder();
            foreach (var segment in Route.PathSegments)
            {
                path.Append('/');
                foreach (var part in segment.Parts)
                {
                    path.Append(part switch
                    {
                        RoutePatternLiteralPart literal => literal.Content,
                        RoutePatternSeparatorPart separator => separator.Content,
                        RoutePatternParameterPart { Name: "sessionId" } => sessionId,
                        RoutePatternParameterPart { Name: "guildId" } => sessionId.StartsWith("discord-", StringComparison.Ordinal) ? sessionId["discord-".Length..] : ApiKeysFixture.OtherGuild,
                        RoutePatternParameterPart { Name: "documentName" } => "v1",
                        RoutePatternParameterPart { IsCatchAll: true } or RoutePatternParameterPart { IsOptional: true } => "",
                        RoutePatternParameterPart { ParameterPolicies.Count: > 0 } => "1", // constrained: {page:int}
                        RoutePatternParameterPart parameter => "sample-" + parameter.Name,
                        _ => "",
                    });
                }
            }

            return path.Length == 0 ? "/" : path.ToString();
        }
    }

    private static Task<HttpResponseMessage> SendAsync(HttpClient http, string method, string url, string? key) => SendAsync(http, new HttpMethod(method), url, key);
}
