using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Microsoft.Extensions.Options;

namespace AudioOrchestrator.Discord.Rest;

/// <summary><c>GET /gateway/bot</c>: the gateway URL, the recommended shard count and the session start limit.</summary>
public sealed record GatewayBotInfo(Uri Url, int Shards, SessionStartLimit SessionStartLimit);

/// <summary>The session start limit object.</summary>
public sealed record SessionStartLimit(int Total, int Remaining, long ResetAfterMilliseconds, int MaxConcurrency);

/// <summary>A REST call failed. The message carries the route and status, never the token.</summary>
public sealed class DiscordRestException : Exception
{
    /// <summary>Creates the exception.</summary>
    public DiscordRestException()
    {
    }

    /// <summary>Creates the exception.</summary>
    public DiscordRestException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception.</summary>
    public DiscordRestException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates the exception for a response status.</summary>
    public DiscordRestException(string route, HttpStatusCode status)
        : base($"Discord REST {route} failed with {(int)status} {status}.")
    {
        Status = status;
    }

    /// <summary>Creates the exception for an error response with Discord's JSON error code and message.</summary>
    public DiscordRestException(string route, HttpStatusCode status, int? errorCode, string? errorMessage)
        : base($"Discord REST {route} failed with {(int)status} {status}" + (errorCode is null ? string.Empty : $" (code {errorCode})") + (errorMessage is null ? "." : $": {errorMessage}"))
    {
        Status = status;
        ErrorCode = errorCode;
    }

    /// <summary>The HTTP status, if a response came.</summary>
    public HttpStatusCode? Status { get; }

    /// <summary>Discord's JSON error code (e.g. 10062 unknown interaction, 40060 already acknowledged), if the body had one.</summary>
    public int? ErrorCode { get; }
}

/// <summary>The small part of Discord's REST API the gateway needs. Authenticates with <c>Authorization: Bot &lt;token&gt;</c>.</summary>
public sealed class DiscordRestClient
{
    private const string UserAgent = "DiscordBot (https://github.com/audio-orchestrator, 1.0)";
    private readonly HttpClient _http;
    private readonly DiscordOptions _options;
    private readonly Uri _baseUrl;

    /// <summary>Creates the client over an <see cref="HttpClient"/> the caller owns.</summary>
    public DiscordRestClient(HttpClient http, IOptions<DiscordOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _http = http ?? throw new ArgumentNullException(nameof(http));
        _options = options.Value;
        var baseText = _options.ApiBaseUrl.ToString();
        _baseUrl = new Uri(baseText.EndsWith('/') ? baseText : baseText + "/", UriKind.Absolute);
    }

    /// <summary>The API base URL (ends with a slash).</summary>
    public Uri BaseUrl => _baseUrl;

    /// <summary><c>GET /gateway/bot</c>.</summary>
    public async Task<GatewayBotInfo> GetGatewayBotAsync(CancellationToken cancellationToken)
    {
        const string route = "GET /gateway/bot";
        using var request = CreateRequest(HttpMethod.Get, "gateway/bot");
        using var response = await _http.SendAsync(request, cancellationToken).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            throw new DiscordRestException(route, response.StatusCode);
        }

        var body = await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            using var document = JsonDocument.Parse(body);
            var root = document.RootElement;
            var limit = root.GetProperty("session_start_limit");
            var url = root.GetProperty("url").GetString() ?? throw new FormatException("url is null");
            return new GatewayBotInfo(
                new Uri(url, UriKind.Absolute),
                root.GetProperty("shards").GetInt32(),
                new SessionStartLimit(
                    limit.GetProperty("total").GetInt32(),
                    limit.GetProperty("remaining").GetInt32(),
                    limit.GetProperty("reset_after").GetInt64(),
                    limit.GetProperty("max_concurrency").GetInt32()));
        }
        catch (Exception ex) when (ex is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
        {
            throw new DiscordRestException($"Discord REST {route} returned an unexpected body.", ex);
        }
    }

    private HttpRequestMessage CreateRequest(HttpMethod method, string relativePath)
    {
        var request = new HttpRequestMessage(method, new Uri(_baseUrl, relativePath));
        request.Headers.Authorization = new AuthenticationHeaderValue("Bot", _options.Token);
        request.Headers.TryAddWithoutValidation("User-Agent", UserAgent);
        return request;
    }
}
