namespace AudioOrchestrator.Load;

/// <summary>Nearest-rank percentiles.</summary>
internal static class Percentiles
{
    public static double Of(IEnumerable<double> values, double percentile)
    {
        ArgumentNullException.ThrowIfNull(values);
        var sorted = values.Order().ToArray();
        if (sorted.Length == 0)
        {
            return double.NaN;
        }

        var rank = (int)Math.Ceiling(percentile / 100.0 * sorted.Length);
        return sorted[Math.Clamp(rank - 1, 0, sorted.Length - 1)];
    }
}
