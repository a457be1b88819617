using System.Diagnostics;
using Microsoft.AspNetCore.Builder;

namespace AudioOrchestrator.Bench;

/// <summary>
/// What the service costs with nothing to do: the service started as scripts/run.sh configures it (the embedded
/// defaults), no session; after start-up has settled, the process' CPU time over a sampling window (percent of one core)
/// and its resident set.
/// </summary>
public static class IdleProbe
{
    public static async Task<(double CpuPercentOfCore, double RssMb)> MeasureAsync(
        Func<Task<WebApplication>> start, TimeSpan settle, TimeSpan window, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(start);
        await using var app = await start();
        await Task.Delay(settle, cancellationToken);
        using var process = Process.GetCurrentProcess();
        process.Refresh();
        var cpuBefore = process.TotalProcessorTime;
        var wall = Stopwatch.StartNew();
        await Task.Delay(window, cancellationToken);
        process.Refresh();
        var cpu = (process.TotalProcessorTime - cpuBefore).TotalMilliseconds / wall.Elapsed.TotalMilliseconds * 100;
        return (cpu, process.WorkingSet64 / (1024.0 * 1024.0));
    }
}
