using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Microsoft.Extensions.Logging;

namespace AudioOrchestrator.Discord.Rest;

/// <summary>One REST call: where it goes and how it is named in logs and errors (never with a token in it).</summary>
/// <param name="Method">HTTP method.</param>
/// <param name="RelativePath">Path under the API base, secrets already escaped into it; never logged.</param>
/// <param name="Route">The route template for logs and errors, e.g. <c>POST /interactions/{id}/{token}/callback</c>.</param>
/// <param name="RateLimitKey">Route and major parameter: requests sharing it share a rate-limit bucket.</param>
/// <param name="Authenticate">Send <c>Authorization: Bot &lt;token&gt;</c> (interaction endpoints are authorised by their token instead).</param>
/// <param name="JsonBody">UTF-8 JSON body, if any.</param>
internal sealed record DiscordRestRequest(
    HttpMethod Method,
    string RelativePath,
    string Route,
    string RateLimitKey,
    bool Authenticate,
    byte[]? JsonBody = null);

/// <summary>
/// Sends REST requests: bot authorisation, per-attempt timeout, caller cancellation, Discord's rate limits
/// (waits for an exhausted bucket's reset, retries a 429 after <c>retry_after</c> up to a cap) and a
/// <see cref="DiscordRestException"/> naming the route, status and Discord's error code for every failure.
/// </summary>
internal sealed partial class DiscordRestPipeline
{
    private const string UserAgent = "DiscordBot (https://github.com/audio-orchestrator, 1.0)";
    private readonly HttpClient _http;
    private readonly Uri _baseUrl;
    private readonly string _token;
    private readonly DiscordRestOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<string, long> _bucketResetAt = new(StringComparer.Ordinal);
    private long _globalResetAt;

    public DiscordRestPipeline(HttpClient http, DiscordOptions discord, DiscordRestOptions options, TimeProvider time, ILogger logger)
    {
        _http = http;
        var baseText = discord.ApiBaseUrl.ToString();
        _baseUrl = new Uri(baseText.EndsWith('/') ? baseText : baseText + "/", UriKind.Absolute);
        _token = discord.Token;
        _options = options;
        _time = time;
        _logger = logger;
    }

    /// <summary>Sends the request and returns the body of a 2xx answer (empty for 204).</summary>
    public async Task<byte[]> SendAsync(DiscordRestRequest request, CancellationToken cancellationToken)
    {
        for (var attempt = 0; ; attempt++)
        {
            await WaitForBucketAsync(request, cancellationToken).ConfigureAwait(false);
            using var timeout = new CancellationTokenSource(_options.RequestTimeout, _time);
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
            using var message = CreateMessage(request);
            HttpResponseMessage response;
            byte[] body;
            try
            {
                response = await _http.SendAsync(message, HttpCompletionOption.ResponseHeadersRead, linked.Token).ConfigureAwait(false);
                body = await response.Content.ReadAsByteArrayAsync(linked.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException ex) when (!cancellationToken.IsCancellationRequested)
            {
                LogTimedOut(request.Route, _options.RequestTimeout.TotalMilliseconds);
                throw new DiscordRestException($"Discord REST {request.Route} timed out after {_options.RequestTimeout.TotalSeconds:0.###} s.", new TimeoutException(ex.Message, ex));
            }
            catch (HttpRequestException ex)
            {
                LogTransportFailed(request.Route, ex.HttpRequestError);
                throw new DiscordRestException($"Discord REST {request.Route} could not be sent: {ex.HttpRequestError}.", ex);
            }

            using (response)
            {
                RememberBucket(request.RateLimitKey, response);
                if (response.IsSuccessStatusCode)
                {
                    LogSent(request.Route, (int)response.StatusCode);
                    return body;
                }

                var (code, errorMessage, retryAfter, global) = ReadError(body, response);
                if (response.StatusCode != HttpStatusCode.TooManyRequests)
                {
                    LogFailed(request.Route, (int)response.StatusCode, code, errorMessage);
                    throw new DiscordRestException(request.Route, response.StatusCode, code, errorMessage);
                }

                var wait = retryAfter ?? TimeSpan.FromSeconds(1);
                if (global)
                {
                    Interlocked.Exchange(ref _globalResetAt, _time.GetTimestamp() + ToTicks(wait));
                }

                if (attempt >= _options.MaxRateLimitRetries || wait > _options.MaxRetryAfter)
                {
                    LogRateLimitGaveUp(request.Route, wait.TotalMilliseconds, attempt + 1);
                    throw new DiscordRestException(request.Route, response.StatusCode, code, $"rate limited, retry after {wait.TotalSeconds:0.###} s");
                }

                LogRateLimited(request.Route, wait.TotalMilliseconds, global, attempt + 1);
                await Task.Delay(wait, _time, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private HttpRequestMessage CreateMessage(DiscordRestRequest request)
    {
        var message = new HttpRequestMessage(request.Method, new Uri(_baseUrl, request.RelativePath));
        if (request.Authenticate)
        {
            message.Headers.Authorization = new AuthenticationHeaderValue("Bot", _token);
        }

        message.Headers.TryAddWithoutValidation("User-Agent", UserAgent);
        if (request.JsonBody is { } json)
        {
            message.Content = new ByteArrayContent(json);
            message.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        }

        return message;
    }

    private async Task WaitForBucketAsync(DiscordRestRequest request, CancellationToken cancellationToken)
    {
        var now = _time.GetTimestamp();
        var resetAt = Math.Max(Interlocked.Read(ref _globalResetAt), _bucketResetAt.TryGetValue(request.RateLimitKey, out var bucket) ? bucket : 0);
        if (resetAt <= now)
        {
            return;
        }

        var wait = _time.GetElapsedTime(now, resetAt);
        if (wait > _options.MaxRetryAfter)
        {
            throw new DiscordRestException($"Discord REST {request.Route} is rate limited for {wait.TotalSeconds:0.###} s more (over Discord:Rest:MaxRetryAfter).");
        }

        LogWaitingForBucket(request.Route, wait.TotalMilliseconds);
        await Task.Delay(wait, _time, cancellationToken).ConfigureAwait(false);
    }

    private void RememberBucket(string key, HttpResponseMessage response)
    {
        if (Header(response, "X-RateLimit-Remaining") == "0"
            && double.TryParse(Header(response, "X-RateLimit-Reset-After"), NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds)
            && seconds > 0)
        {
            _bucketResetAt[key] = _time.GetTimestamp() + ToTicks(TimeSpan.FromSeconds(seconds));
        }
        else
        {
            _bucketResetAt.TryRemove(key, out _);
        }
    }

    private static (int? Code, string? Message, TimeSpan? RetryAfter, bool Global) ReadError(byte[] body, HttpResponseMessage response)
    {
        int? code = null;
        string? message = null;
        TimeSpan? retryAfter = null;
        var global = Header(response, "X-RateLimit-Global") is "true" or "True";
        try
        {
            if (body.Length > 0)
            {
                using var document = JsonDocument.Parse(body);
                var root = document.RootElement;
                if (root.ValueKind == JsonValueKind.Object)
                {
                    if (root.TryGetProperty("code", out var c) && c.TryGetInt32(out var codeValue))
                    {
                        code = codeValue;
                    }

                    if (root.TryGetProperty("message", out var m) && m.ValueKind == JsonValueKind.String)
                    {
                        message = m.GetString();
                    }

                    if (root.TryGetProperty("retry_after", out var r) && r.TryGetDouble(out var seconds) && seconds >= 0 && double.IsFinite(seconds))
                    {
                        retryAfter = TimeSpan.FromSeconds(seconds);
                    }

                    global |= root.TryGetProperty("global", out var g) && g.ValueKind == JsonValueKind.True;
                }
            }
        }
        catch (JsonException)
        {
            // Not JSON (a proxy's HTML page...): the status alone describes the failure.
        }

        if (retryAfter is null && response.Headers.RetryAfter?.Delta is { } delta)
        {
            retryAfter = delta;
        }

        return (code, message, retryAfter, global);
    }

    private static string? Header(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) ? values.FirstOrDefault() : null;

    private long ToTicks(TimeSpan span) => (long)(span.TotalSeconds * _time.TimestampFrequency);

    [LoggerMessage(EventId = 4700, Level = LogLevel.Debug, Message = "Discord REST {Route}: {Status}")]
    private partial void LogSent(string route, int status);

    [LoggerMessage(EventId = 4701, Level = LogLevel.Warning, Message = "Discord REST {Route} failed: {Status} code {ErrorCode} {ErrorMessage}")]
    private partial void LogFailed(string route, int status, int? errorCode, string? errorMessage);

    [LoggerMessage(EventId = 4702, Level = LogLevel.Information, Message = "Discord REST {Route} rate limited (global {Global}): retrying in {RetryAfterMs} ms (attempt {Attempt})")]
    private partial void LogRateLimited(string route, double retryAfterMs, bool global, int attempt);

    [LoggerMessage(EventId = 4703, Level = LogLevel.Warning, Message = "Discord REST {Route} rate limited for {RetryAfterMs} ms after {Attempts} attempts: giving up")]
    private partial void LogRateLimitGaveUp(string route, double retryAfterMs, int attempts);

    [LoggerMessage(EventId = 4704, Level = LogLevel.Warning, Message = "Discord REST {Route} timed out after {TimeoutMs} ms")]
    private partial void LogTimedOut(string route, double timeoutMs);

    [LoggerMessage(EventId = 4705, Level = LogLevel.Warning, Message = "Discord REST {Route} could not be sent: {Error}")]
    private partial void LogTransportFailed(string route, HttpRequestError error);

    [LoggerMessage(EventId = 4706, Level = LogLevel.Debug, Message = "Discord REST {Route}: bucket exhausted, waiting {WaitMs} ms")]
    private partial void LogWaitingForBucket(string route, double waitMs);
}
