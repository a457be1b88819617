using System.ComponentModel.DataAnnotations;

namespace AudioOrchestrator.Grains.Retention;

/// <summary>How long sessions are kept. Section <c>Sessions</c>.</summary>
public sealed class SessionRetentionOptions
{
    public const string SectionName = "Sessions";

    /// <summary>
    /// Days archived turns are kept; older ones are deleted hourly (<see cref="IArchiveRetentionGrain"/>). Null or 0 keeps
    /// them forever.
    /// </summary>
    [Range(0, 36_500)]
    public int? RetentionDays { get; set; }

    /// <summary>How long turns are kept; null when forever.</summary>
    public TimeSpan? Retention => RetentionDays is > 0 and var days ? TimeSpan.FromDays(days) : null;
}
