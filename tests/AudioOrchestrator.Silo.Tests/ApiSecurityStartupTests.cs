using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using AudioOrchestrator.Silo.Hosting;
using AudioOrchestrator.Silo.Security;
using AudioOrchestrator.Testing;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Options;

namespace AudioOrchestrator.Silo.Tests;

/// <summary>
/// Starting without keys: open on loopback, refused on any other address unless Auth:AllowAnonymous; bad keys refuse
/// to start. Also rate limits and CORS, on a service of their own.
/// </summary>
public sealed class ApiSecurityStartupTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public static TheoryData<string, string> PublicAddresses => new()
    {
        { "urls", "http://0.0.0.0:{port}" },
        { "http_ports", "{port}" },
        { "Kestrel:Endpoints:Public:Url", "http://0.0.0.0:{port}" },
    };

    [Theory]
    [MemberData(nameof(PublicAddresses))]
    public async Task Without_keys_a_public_address_refuses_to_start_naming_the_fix(string key, string value)
    {
        var port = LoopbackPorts.Free().ToString(CultureInfo.InvariantCulture);
        await using var service = new StartedService(new() { [key] = value.Replace("{port}", port, StringComparison.Ordinal) }, listenOnLoopback: false);

        var error = await Assert.ThrowsAsync<InvalidOperationException>(service.StartAsync);

        Assert.Contains("Auth:ApiKeys", error.Message, StringComparison.Ordinal);
        Assert.Contains("Auth:AllowAnonymous=true", error.Message, StringComparison.Ordinal);
        Assert.Contains(port, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AllowAnonymous_serves_a_public_address_without_keys()
    {
        var port = LoopbackPorts.Free().ToString(CultureInfo.InvariantCulture);
        await using var service = new StartedService(new() { ["urls"] = $"http://0.0.0.0:{port}", ["Auth:AllowAnonymous"] = "true" }, listenOnLoopback: false);
        await service.StartAsync();

        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
        using var agents = await http.GetAsync("/api/v1/agents", Ct);

        Assert.Equal(HttpStatusCode.OK, agents.StatusCode);
        Assert.Single(service.Logs.Lines, l => l.StartsWith("Warning", StringComparison.Ordinal) && l.Contains("Auth:AllowAnonymous=true", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Keys_make_a_public_address_acceptable()
    {
        var port = LoopbackPorts.Free().ToString(CultureInfo.InvariantCulture);
        var settings = new Dictionary<string, string?> { ["urls"] = $"http://0.0.0.0:{port}" };
        ApiKeysFixture.Key(settings, 0, "console", "the-console-key", [ApiScopes.SessionsRead], []);
        await using var service = new StartedService(settings, listenOnLoopback: false);
        await service.StartAsync();

        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
        using var anonymous = await http.GetAsync("/api/v1/agents", Ct);
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", "the-console-key");
        using var withKey = await http.GetAsync("/api/v1/agents", Ct);

        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        Assert.Equal(HttpStatusCode.OK, withKey.StatusCode);
        Assert.DoesNotContain(service.Logs.Lines, l => l.Contains("Auth:ApiKeys", StringComparison.Ordinal));
    }

    public static TheoryData<string, string, string> BadKeys => new()
    {
        { "Name", "", "Name is empty" },
        { "KeySha256", "abc123", "not a SHA-256" },
        { "Scopes:0", "sessions:delete", "unknown scope 'sessions:delete'" },
        { "Guilds:0", "guild-one", "not a Discord guild id" },
    };

    [Theory]
    [MemberData(nameof(BadKeys))]
    public async Task A_bad_key_refuses_to_start_naming_the_setting(string setting, string value, string message)
    {
        var settings = new Dictionary<string, string?>();
        ApiKeysFixture.Key(settings, 0, "console", "the-console-key", [ApiScopes.SessionsRead], []);
        settings["Auth:ApiKeys:0:" + setting] = value;
        await using var service = new StartedService(settings);

        var error = await Assert.ThrowsAsync<OptionsValidationException>(service.StartAsync);

        Assert.Contains("Auth:ApiKeys:0:" + setting.Split(':')[0], error.Message, StringComparison.Ordinal);
        Assert.Contains(message, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Two_keys_with_one_name_refuse_to_start()
    {
        var settings = new Dictionary<string, string?>();
        ApiKeysFixture.Key(settings, 0, "console", "key-one", [ApiScopes.SessionsRead], []);
        ApiKeysFixture.Key(settings, 1, "Console", "key-two", [ApiScopes.SessionsWrite], []);
        await using var service = new StartedService(settings);

        var error = await Assert.ThrowsAsync<OptionsValidationException>(service.StartAsync);

        Assert.Contains("Auth:ApiKeys:1:Name 'Console' is used by another API key", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("http://127.0.0.1:5000", true)]
    [InlineData("http://[::1]:5000", true)]
    [InlineData("http://localhost:5000", true)]
    [InlineData("https://127.0.0.2:5001", true)]
    [InlineData("http://unix:/run/ao.sock", true)]
    [InlineData("http://0.0.0.0:5000", false)]
    [InlineData("http://[::]:8080", false)]
    [InlineData("http://*:8080", false)]
    [InlineData("http://+:8080", false)]
    [InlineData("http://192.168.1.20:5000", false)]
    [InlineData("http://ao.example.com:5000", false)]
    public void Only_loopback_addresses_count_as_local(string address, bool local) =>
        Assert.Equal(local, OpenAccessGuard.IsLocalOnly(address));

    [Fact]
    public async Task Requests_over_the_limit_get_429_with_Retry_After_per_key_and_per_address()
    {
        var settings = new Dictionary<string, string?>
        {
            ["RateLimiting:PermitsPerKey"] = "3",
            ["RateLimiting:PermitsPerAddress"] = "2",
            ["RateLimiting:Window"] = "01:00:00", // nothing is replenished while the test runs
        };
        ApiKeysFixture.Key(settings, 0, "first", "first-key", [ApiScopes.SessionsRead], []);
        ApiKeysFixture.Key(settings, 1, "second", "second-key", [ApiScopes.SessionsRead], []);
        await using var service = new StartedService(settings);
        await service.StartAsync();
        using var http = new HttpClient { BaseAddress = service.Address };

        async Task<HttpResponseMessage> GetAsync(string? key, string path = "/api/v1/agents")
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, path);
            if (key is not null)
            {
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
            }

            return await http.SendAsync(request, Ct);
        }

        for (var i = 0; i < 3; i++)
        {
            using var allowed = await GetAsync("first-key");
            Assert.Equal(HttpStatusCode.OK, allowed.StatusCode);
        }

        using var limited = await GetAsync("first-key");
        using var otherKey = await GetAsync("second-key");
        using var noKey1 = await GetAsync(null);
        using var noKey2 = await GetAsync("wrong-key");
        using var noKey3 = await GetAsync(null);

        Assert.Equal(HttpStatusCode.TooManyRequests, limited.StatusCode);
        Assert.True(limited.Headers.RetryAfter?.Delta is { TotalSeconds: > 0 and <= 3600 }, $"Retry-After: {limited.Headers.RetryAfter}");
        Assert.Equal("application/problem+json", limited.Content.Headers.ContentType?.MediaType);
        Assert.Contains("first", await limited.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, otherKey.StatusCode); // a partition per key
        Assert.Equal(HttpStatusCode.Unauthorized, noKey1.StatusCode); // requests without a valid key: by client address
        Assert.Equal(HttpStatusCode.Unauthorized, noKey2.StatusCode);
        Assert.Equal(HttpStatusCode.TooManyRequests, noKey3.StatusCode);
        Assert.NotNull(noKey3.Headers.RetryAfter);
        for (var i = 0; i < 5; i++)
        {
            using var probe = await GetAsync(null, "/health/live"); // probes are never limited
            Assert.Equal(HttpStatusCode.OK, probe.StatusCode);
        }
    }

    [Fact]
    public async Task Cors_lets_the_configured_console_origin_send_keys()
    {
        var settings = new Dictionary<string, string?> { ["Cors:AllowedOrigins:0"] = "https://console.example.com" };
        ApiKeysFixture.Key(settings, 0, "console", "the-console-key", [ApiScopes.SessionsRead], []);
        await using var service = new StartedService(settings);
        await service.StartAsync();
        using var http = new HttpClient { BaseAddress = service.Address };

        async Task<HttpResponseMessage> PreflightAsync(string origin)
        {
            using var request = new HttpRequestMessage(HttpMethod.Options, "/api/v1/sessions/");
            request.Headers.Add("Origin", origin);
            request.Headers.Add("Access-Control-Request-Method", "GET");
            request.Headers.Add("Access-Control-Request-Headers", "authorization,x-api-key");
            return await http.SendAsync(request, Ct);
        }

        using var console = await PreflightAsync("https://console.example.com");
        using var stranger = await PreflightAsync("https://elsewhere.example.com");
        using var get = new HttpRequestMessage(HttpMethod.Get, "/api/v1/agents");
        get.Headers.Add("Origin", "https://console.example.com");
        get.Headers.Add("X-Api-Key", "the-console-key");
        using var actual = await http.SendAsync(get, Ct);

        Assert.True(console.IsSuccessStatusCode, $"preflight: {(int)console.StatusCode}");
        Assert.Equal("https://console.example.com", console.Headers.GetValues("Access-Control-Allow-Origin").Single());
        var allowed = string.Join(",", console.Headers.GetValues("Access-Control-Allow-Headers")).ToLowerInvariant();
        Assert.Contains("authorization", allowed, StringComparison.Ordinal);
        Assert.Contains("x-api-key", allowed, StringComparison.Ordinal);
        Assert.False(stranger.Headers.Contains("Access-Control-Allow-Origin"));
        Assert.Equal(HttpStatusCode.OK, actual.StatusCode);
        Assert.Equal("https://console.example.com", actual.Headers.GetValues("Access-Control-Allow-Origin").Single());
    }

    /// <summary>The service with extra settings on free silo ports and its own archive file; listening on loopback port 0 unless told otherwise.</summary>
    private sealed class StartedService(Dictionary<string, string?> settings, bool listenOnLoopback = true) : IAsyncDisposable
    {
        private readonly string _archive = Path.Combine(Path.GetTempPath(), "ao-auth-" + Guid.NewGuid().ToString("N")[..12] + ".db");
        private WebApplication? _app;
        private bool _stopNeeded;

        public CapturedLogs Logs { get; } = new();

        public Uri Address => new(_app!.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());

        public async Task StartAsync()
        {
            var all = new Dictionary<string, string?>
            {
                ["Cluster:SiloPort"] = LoopbackPorts.Free().ToString(CultureInfo.InvariantCulture),
                ["Cluster:GatewayPort"] = LoopbackPorts.Free().ToString(CultureInfo.InvariantCulture),
                ["Speech:PocketSphinx:AcousticModelPath"] = await EspeakVoiceEnrolment.GetModelAsync(Ct),
                ["Archive:SqlitePath"] = _archive,
            };
            foreach (var (key, value) in settings)
            {
                all[key] = value;
            }

            _app = ServiceApp.Build([], builder =>
            {
                if (listenOnLoopback)
                {
                    builder.WebHost.UseUrls("http://127.0.0.1:0");
                }

                builder.Configuration.AddInMemoryCollection(all);
                builder.Logging.AddProvider(Logs);
            });
            _stopNeeded = true;
            try
            {
                await _app.StartAsync(Ct);
            }
            catch (Microsoft.Extensions.Options.OptionsValidationException)
            {
                _stopNeeded = false; // refused before any hosted service started: there is nothing to stop
                throw;
            }
        }

        public async ValueTask DisposeAsync()
        {
            if (_app is not null)
            {
                try
                {
                    if (_stopNeeded)
                    {
                        await _app.StopAsync(CancellationToken.None);
                    }
                }
                finally
                {
                    await _app.DisposeAsync();
                }
            }

            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            foreach (var file in new[] { _archive, _archive + "-wal", _archive + "-shm" })
            {
                File.Delete(file);
            }
        }
    }
}
