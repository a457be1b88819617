using System.Diagnostics;
using System.Runtime.InteropServices;

namespace AudioOrchestrator.Discord.Voice.Pacing;

/// <summary>
/// Sleeps the calling thread for a span with sub-millisecond precision: <c>clock_nanosleep</c> on CLOCK_MONOTONIC
/// (glibc Linux), else <see cref="Thread.Sleep(TimeSpan)"/> (whole milliseconds).
/// </summary>
internal static partial class MonotonicSleep
{
    private const int ClockMonotonic = 1;
    private const int Interrupted = 4; // EINTR

    public static void For(TimeSpan span)
    {
        if (span <= TimeSpan.Zero)
        {
            return;
        }

        if (!OperatingSystem.IsLinux())
        {
            Thread.Sleep(span);
            return;
        }

        var end = Stopwatch.GetTimestamp() + (long)(span.TotalSeconds * Stopwatch.Frequency);
        while (true)
        {
            var left = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), end);
            if (left <= TimeSpan.Zero)
            {
                return;
            }

            var request = new TimeSpec(left.Ticks / TimeSpan.TicksPerSecond, left.Ticks % TimeSpan.TicksPerSecond * 100);
            int result;
            try
            {
                result = ClockNanosleep(ClockMonotonic, 0, in request, IntPtr.Zero);
            }
            catch (Exception ex) when (ex is DllNotFoundException or EntryPointNotFoundException)
            {
                // Not glibc (e.g. musl): millisecond sleeps.
                Thread.Sleep(left);
                return;
            }

            if (result != Interrupted)
            {
                return;
            }
        }
    }

    [LibraryImport("libc.so.6", EntryPoint = "clock_nanosleep")]
    private static partial int ClockNanosleep(int clockId, int flags, in TimeSpec request, IntPtr remaining);

    [StructLayout(LayoutKind.Sequential)]
    private readonly record struct TimeSpec(long Seconds, long Nanoseconds);
}
