using System.ComponentModel.DataAnnotations;

namespace AudioOrchestrator.Silo.Security;

/// <summary>
/// Request limits (<c>RateLimiting</c>), fixed windows: per API key (by its name) for requests with a valid key, per
/// client address for every other request. Health probes are not limited.
/// </summary>
public sealed class ApiRateLimitOptions
{
    public const string SectionName = "RateLimiting";

    /// <summary>Limit requests at all.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>Requests one API key may make per <see cref="Window"/>.</summary>
    [Range(1, int.MaxValue)]
    public int PermitsPerKey { get; set; } = 6000;

    /// <summary>Requests one client address may make per <see cref="Window"/> without a valid key (an open service's callers, failed keys).</summary>
    [Range(1, int.MaxValue)]
    public int PermitsPerAddress { get; set; } = 6000;

    /// <summary>The window the permits are counted in.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan Window { get; set; } = TimeSpan.FromMinutes(1);
}

/// <summary>Cross-origin callers (<c>Cors</c>): the console's origin, e.g. <c>https://console.example.com</c>.</summary>
public sealed class ApiCorsOptions
{
    public const string SectionName = "Cors";

    /// <summary>Origins allowed to call the API from a browser; none by default.</summary>
    public IList<string> AllowedOrigins { get; } = [];
}
