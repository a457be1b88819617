using Microsoft.Extensions.Options;

namespace AudioOrchestrator.Discord.Rest;

/// <summary>Timeouts and rate-limit behaviour of the REST calls (section <c>Discord:Rest</c>).</summary>
public sealed class DiscordRestOptions
{
    /// <summary>The configuration section name.</summary>
    public const string SectionName = "Discord:Rest";

    /// <summary>Time allowed for one HTTP attempt (sending and reading the answer).</summary>
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How often a request answered 429 is sent again before giving up.</summary>
    public int MaxRateLimitRetries { get; set; } = 3;

    /// <summary>Longest <c>retry_after</c> (or bucket reset) waited for; a longer one fails the request at once.</summary>
    public TimeSpan MaxRetryAfter { get; set; } = TimeSpan.FromSeconds(10);
}

/// <summary>Validates <see cref="DiscordRestOptions"/> at start-up.</summary>
public sealed class DiscordRestOptionsValidator : IValidateOptions<DiscordRestOptions>
{
    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? name, DiscordRestOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        if (options.RequestTimeout <= TimeSpan.Zero || options.RequestTimeout > TimeSpan.FromMinutes(5))
        {
            failures.Add("Discord:Rest:RequestTimeout must be in (0, 5 min].");
        }

        if (options.MaxRateLimitRetries is < 0 or > 10)
        {
            failures.Add("Discord:Rest:MaxRateLimitRetries must be in [0, 10].");
        }

        if (options.MaxRetryAfter < TimeSpan.Zero || options.MaxRetryAfter > TimeSpan.FromMinutes(5))
        {
            failures.Add("Discord:Rest:MaxRetryAfter must be in [0, 5 min].");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
