using System.Diagnostics;
using System.Globalization;

namespace AudioOrchestrator.Load;

/// <summary>A process' resources at one moment: resident set, managed heap, threads, open file descriptors, CPU time used so far.</summary>
internal sealed record GaugeReading(double RssMb, double GcHeapMb, int Threads, int Handles, double CpuMs)
{
    public static GaugeReading? Parse(string line)
    {
        var parts = line.Split(' ');
        return parts is ["gauges", var rss, var heap, var threads, var handles, var cpu]
            ? new GaugeReading(D(rss), D(heap), int.Parse(threads, CultureInfo.InvariantCulture), int.Parse(handles, CultureInfo.InvariantCulture), D(cpu))
            : null;

        static double D(string s) => double.Parse(s, CultureInfo.InvariantCulture);
    }

    public string Format() => string.Create(CultureInfo.InvariantCulture, $"gauges {RssMb:0.000} {GcHeapMb:0.000} {Threads} {Handles} {CpuMs:0.0}");
}

/// <summary>Reads <see cref="GaugeReading"/> of the current process (the service prints them for the harness).</summary>
internal static class ProcessGauges
{
    public static GaugeReading Current()
    {
        using var process = Process.GetCurrentProcess();
        var handles = Directory.Exists("/proc/self/fd") ? Directory.GetFileSystemEntries("/proc/self/fd").Length : process.HandleCount;
        return new GaugeReading(
            process.WorkingSet64 / 1048576.0,
            GC.GetGCMemoryInfo().HeapSizeBytes / 1048576.0,
            process.Threads.Count,
            handles,
            process.TotalProcessorTime.TotalMilliseconds);
    }
}
