using System.Globalization;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Options;

namespace AudioOrchestrator.Silo.Security;

/// <summary>The global limiter: partitioned by key name for requests with a valid key, else by client address; 429 with Retry-After as problem details.</summary>
internal static class ApiRateLimiting
{
    public static void Configure(RateLimiterOptions limiter, ApiRateLimitOptions limits)
    {
        limiter.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
        if (!limits.Enabled)
        {
            return;
        }

        limiter.GlobalLimiter = PartitionedRateLimiter.Create<HttpContext, string>(context =>
            context.User.KeyName() is { } key
                ? RateLimitPartition.GetFixedWindowLimiter("key:" + key, _ => Window(limits.PermitsPerKey, limits.Window))
                : RateLimitPartition.GetFixedWindowLimiter("address:" + (context.Connection.RemoteIpAddress?.ToString() ?? "unknown"), _ => Window(limits.PermitsPerAddress, limits.Window)));
        limiter.OnRejected = (context, _) => RejectAsync(context, limits);
    }

    private static FixedWindowRateLimiterOptions Window(int permits, TimeSpan window) => new()
    {
        PermitLimit = permits,
        Window = window,
        QueueLimit = 0,
        AutoReplenishment = true,
    };

    private static async ValueTask RejectAsync(OnRejectedContext context, ApiRateLimitOptions limits)
    {
        var http = context.HttpContext;
        var retryAfter = context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? wait : limits.Window;
        var seconds = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds));
        http.Response.StatusCode = StatusCodes.Status429TooManyRequests;
        http.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
        var problems = http.RequestServices.GetRequiredService<IProblemDetailsService>();
        var who = http.User.KeyName() is { } key ? $"API key '{key}'" : "this client address";
        await problems.WriteAsync(new ProblemDetailsContext
        {
            HttpContext = http,
            ProblemDetails =
            {
                Status = StatusCodes.Status429TooManyRequests,
                Title = "Too many requests",
                Detail = $"The request limit of {who} is used up; retry in {seconds.ToString(CultureInfo.InvariantCulture)} s.",
            },
        });
    }
}

/// <summary>Binds <see cref="RateLimiterOptions"/> to the validated <see cref="ApiRateLimitOptions"/>.</summary>
internal sealed class ConfigureApiRateLimiting(IOptions<ApiRateLimitOptions> limits) : IConfigureOptions<RateLimiterOptions>
{
    public void Configure(RateLimiterOptions options) => ApiRateLimiting.Configure(options, limits.Value);
}
