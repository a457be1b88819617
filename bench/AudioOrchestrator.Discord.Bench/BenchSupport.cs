using System.Diagnostics;
using AudioOrchestrator.Audio;

namespace AudioOrchestrator.Discord.Bench;

/// <summary>Shared helpers: Opus test frames, polling and percentiles.</summary>
internal static class BenchSupport
{
    public const ulong GuildId = 81_000_000_000_000_001;
    public const ulong BotId = 900_000_000_000_000_001;
    public const ulong AliceId = 500_000_000_000_000_001;
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(15);

    /// <summary>
    /// 20 ms stereo Opus frames (VoIP mode, 48 kbit/s, so ~120 bytes each as a talking Discord user sends) of a
    /// warbling tone with noise.
    /// </summary>
    public static IReadOnlyList<byte[]> OpusFrames(int count)
    {
        var random = new Random(7);
        using var encoder = new OpusEncoder(48000, 2) { Bitrate = 48_000 };
        var pcm = new short[960 * 2];
        var packet = new byte[OpusEncoder.MaxPacketSize];
        var frames = new List<byte[]>(count);
        for (var n = 0; n < count; n++)
        {
            for (var i = 0; i < 960; i++)
            {
                var t = ((n * 960) + i) / 48000.0;
                var f = 180 + (60 * Math.Sin(2 * Math.PI * 3 * t));
                var envelope = 0.5 + (0.5 * Math.Sin(2 * Math.PI * 0.7 * t));
                var sample = (short)((6000 * envelope * Math.Sin(2 * Math.PI * f * t)) + random.Next(-800, 800));
                pcm[2 * i] = sample;
                pcm[(2 * i) + 1] = sample;
            }

            frames.Add(packet.AsSpan(0, encoder.Encode(pcm, packet)).ToArray());
        }

        return frames;
    }

    /// <summary>Polls <paramref name="condition"/> every millisecond (tighter than the fakes' 10 ms helper).</summary>
    public static async Task WaitUntilAsync(Func<bool> condition, string what)
    {
        var clock = Stopwatch.StartNew();
        while (!condition())
        {
            if (clock.Elapsed > Timeout)
            {
                throw new TimeoutException($"Timed out waiting for: {what}");
            }

            await Task.Delay(1).ConfigureAwait(false);
        }
    }

    public static double Percentile(IReadOnlyList<double> values, double p)
    {
        var sorted = values.Order().ToArray();
        var rank = p / 100 * (sorted.Length - 1);
        var lo = (int)Math.Floor(rank);
        var hi = Math.Min(lo + 1, sorted.Length - 1);
        return sorted[lo] + ((sorted[hi] - sorted[lo]) * (rank - lo));
    }
}
