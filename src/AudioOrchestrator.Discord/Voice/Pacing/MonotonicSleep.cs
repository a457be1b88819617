using System.Diagnostics;
using System.Runtime.InteropServices;

namespace AudioOrchestrator.Discord.Voice.Pacing;

/// <summary>
/// Sleeps the calling thread until a <see cref="Stopwatch"/> timestamp with sub-millisecond precision:
/// <c>clock_nanosleep</c> on CLOCK_MONOTONIC (glibc Linux), else <see cref="Thread.Sleep(int)"/> (whole milliseconds,
/// rounded up). Never returns before the deadline: the clock is read again after every sleep.
/// </summary>
internal static partial class MonotonicSleep
{
    private const int ClockMonotonic = 1;
    private const int Interrupted = 4; // EINTR
    private const long NanosecondsPerSecond = 1_000_000_000;

    private static volatile bool s_noClockNanosleep;

    public static void Until(long deadline)
    {
        while (true)
        {
            var left = deadline - Stopwatch.GetTimestamp();
            if (left <= 0)
            {
                return;
            }

            if (!OperatingSystem.IsLinux() || !TryClockNanosleep(left))
            {
                // Thread.Sleep takes whole milliseconds: round up, or the thread would wake before the deadline.
                Thread.Sleep((int)Math.Min(int.MaxValue, ((left * 1000) + Stopwatch.Frequency - 1) / Stopwatch.Frequency));
            }
        }
    }

    /// <summary>Sleeps about <paramref name="ticks"/> (Stopwatch ticks, rounded up to nanoseconds); false where it cannot.</summary>
    private static bool TryClockNanosleep(long ticks)
    {
        if (s_noClockNanosleep)
        {
            return false;
        }

        var seconds = ticks / Stopwatch.Frequency;
        var nanoseconds = ((ticks % Stopwatch.Frequency * NanosecondsPerSecond) + Stopwatch.Frequency - 1) / Stopwatch.Frequency;
        if (nanoseconds >= NanosecondsPerSecond)
        {
            seconds++;
            nanoseconds -= NanosecondsPerSecond;
        }

        try
        {
            var result = ClockNanosleep(ClockMonotonic, 0, new TimeSpec(seconds, nanoseconds), IntPtr.Zero);
            return result is 0 or Interrupted; // woken early by a signal: the caller sleeps what is left
        }
        catch (Exception ex) when (ex is DllNotFoundException or EntryPointNotFoundException)
        {
            // Not glibc (e.g. musl): millisecond sleeps.
            s_noClockNanosleep = true;
            return false;
        }
    }

    [LibraryImport("libc.so.6", EntryPoint = "clock_nanosleep")]
    private static partial int ClockNanosleep(int clockId, int flags, in TimeSpec request, IntPtr remaining);

    [StructLayout(LayoutKind.Sequential)]
    private readonly record struct TimeSpec(long Seconds, long Nanoseconds);
}
