namespace AudioOrchestrator.Audio.Tests.Support;

/// <summary>Synthetic test signals.</summary>
internal static class Signals
{
    public static short[] Sine(double frequency, int sampleRate, int frames, double amplitude = 0.5, int channels = 1, double phase = 0)
    {
        var samples = new short[frames * channels];
        for (var i = 0; i < frames; i++)
        {
            var value = (short)Math.Round(amplitude * short.MaxValue * Math.Sin((2 * Math.PI * frequency * i / sampleRate) + phase));
            for (var c = 0; c < channels; c++)
            {
                samples[(i * channels) + c] = value;
            }
        }

        return samples;
    }

    /// <summary>Linear sweep from <paramref name="startHz"/> to <paramref name="endHz"/> over <paramref name="seconds"/>, defined in continuous time so it matches across sample rates.</summary>
    public static short[] Chirp(double startHz, double endHz, double seconds, int sampleRate, double amplitude = 0.4, int channels = 1)
    {
        var frames = (int)Math.Round(seconds * sampleRate);
        var samples = new short[frames * channels];
        var sweepRate = (endHz - startHz) / seconds;
        for (var i = 0; i < frames; i++)
        {
            var t = (double)i / sampleRate;
            var value = (short)Math.Round(amplitude * short.MaxValue * Math.Sin(2 * Math.PI * ((startHz * t) + (sweepRate * t * t / 2))));
            for (var c = 0; c < channels; c++)
            {
                samples[(i * channels) + c] = value;
            }
        }

        return samples;
    }

    public static int Frames(int sampleRate, double milliseconds) => (int)Math.Round(sampleRate * milliseconds / 1000);

    /// <summary>Pearson correlation of two equally long signals.</summary>
    public static double Correlation(ReadOnlySpan<short> a, ReadOnlySpan<short> b)
    {
        double sa = 0, sb = 0, saa = 0, sbb = 0, sab = 0;
        var n = Math.Min(a.Length, b.Length);
        for (var i = 0; i < n; i++)
        {
            sa += a[i];
            sb += b[i];
            saa += (double)a[i] * a[i];
            sbb += (double)b[i] * b[i];
            sab += (double)a[i] * b[i];
        }

        var cov = sab - (sa * sb / n);
        var va = saa - (sa * sa / n);
        var vb = sbb - (sb * sb / n);
        return cov / Math.Sqrt(va * vb);
    }

    /// <summary>Best correlation of <paramref name="decoded"/> against <paramref name="reference"/> over lags 0..maxLag (codec delay).</summary>
    public static (double Correlation, int Lag) BestAlignment(ReadOnlySpan<short> reference, ReadOnlySpan<short> decoded, int maxLag, int length)
    {
        var best = (Correlation: double.MinValue, Lag: 0);
        for (var lag = 0; lag <= maxLag; lag++)
        {
            var c = Correlation(reference.Slice(0, length), decoded.Slice(lag, length));
            if (c > best.Correlation)
            {
                best = (c, lag);
            }
        }

        return best;
    }

    /// <summary>Signal-to-noise ratio in dB of <paramref name="actual"/> against <paramref name="expected"/>.</summary>
    public static double SnrDb(ReadOnlySpan<short> expected, ReadOnlySpan<short> actual)
    {
        double signal = 0, noise = 0;
        for (var i = 0; i < expected.Length; i++)
        {
            signal += (double)expected[i] * expected[i];
            var d = (double)expected[i] - actual[i];
            noise += d * d;
        }

        return 10 * Math.Log10(signal / Math.Max(noise, 1e-9));
    }
}
