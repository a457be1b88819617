using System.Diagnostics;

namespace AudioOrchestrator.Audio.Bench;

/// <summary>Silero inference cost: one stream window by window, and B streams per batched call.</summary>
internal static class SileroBench
{
    private const int Window = SileroVadModel.WindowSamples;

    /// <summary>CPU milliseconds per window of one stream (best of three passes after a warm-up pass).</summary>
    public static double Unbatched(SileroVadModel model, SileroVadOptions options, short[] speech)
    {
        using var stream = new SileroVadStream(model, options);
        var windows = speech.Length / Window;
        RunWindows(stream, speech, windows);
        var best = double.MaxValue;
        for (var repetition = 0; repetition < 3; repetition++)
        {
            stream.Reset();
            var cpu = CpuTime();
            RunWindows(stream, speech, windows);
            best = Math.Min(best, (CpuTime() - cpu).TotalMilliseconds / windows);
        }

        return best;
    }

    /// <summary>CPU milliseconds per speaker-window with <paramref name="speakers"/> streams in one call (best of three).</summary>
    public static double Batched(SileroVadModel model, SileroVadOptions options, short[] speech, int speakers)
    {
        var streams = Enumerable.Range(0, speakers).Select(_ => new SileroVadStream(model, options)).ToArray();
        using var batch = new SileroVadBatch(model, speakers);
        var windows = speech.Length / Window;
        var block = new short[speakers * Window];
        var probabilities = new float[speakers];
        var calls = Math.Max(20, Math.Min(windows, 4000 / speakers));
        try
        {
            Run(calls);
            var best = double.MaxValue;
            for (var repetition = 0; repetition < 3; repetition++)
            {
                var cpu = CpuTime();
                Run(calls);
                best = Math.Min(best, (CpuTime() - cpu).TotalMilliseconds / (calls * speakers));
            }

            return best;
        }
        finally
        {
            foreach (var stream in streams)
            {
                stream.Dispose();
            }
        }

        void Run(int calls)
        {
            for (var call = 0; call < calls; call++)
            {
                for (var s = 0; s < speakers; s++)
                {
                    // Each speaker is at a different point of the speech.
                    var w = (call + (s * 7)) % windows;
                    speech.AsSpan(w * Window, Window).CopyTo(block.AsSpan(s * Window));
                }

                batch.Process(streams, block, probabilities);
            }
        }
    }

    internal static TimeSpan CpuTime() => Process.GetCurrentProcess().TotalProcessorTime;

    private static void RunWindows(SileroVadStream stream, short[] speech, int windows)
    {
        for (var w = 0; w < windows; w++)
        {
            stream.Process(speech.AsSpan(w * Window, Window));
        }
    }
}
