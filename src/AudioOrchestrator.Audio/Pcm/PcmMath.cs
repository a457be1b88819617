namespace AudioOrchestrator.Audio;

/// <summary>Allocation-free helpers on interleaved 16-bit PCM.</summary>
public static class PcmMath
{
    /// <summary>Level reported for digital silence (and empty input).</summary>
    public const double SilenceDbfs = -120;

    /// <summary>Averages <paramref name="channels"/> interleaved channels into <paramref name="mono"/>.</summary>
    public static void Downmix(ReadOnlySpan<short> interleaved, int channels, Span<short> mono)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(channels);
        if (interleaved.Length % channels != 0)
        {
            throw new ArgumentException($"{interleaved.Length} samples are not a whole number of {channels}-channel frames.", nameof(interleaved));
        }

        var frames = interleaved.Length / channels;
        if (mono.Length < frames)
        {
            throw new ArgumentException($"The mono buffer holds {mono.Length} samples but {frames} are needed.", nameof(mono));
        }

        if (channels == 1)
        {
            interleaved.CopyTo(mono);
            return;
        }

        if (channels == 2)
        {
            for (var i = 0; i < frames; i++)
            {
                mono[i] = (short)((interleaved[2 * i] + interleaved[(2 * i) + 1]) / 2);
            }

            return;
        }

        for (var i = 0; i < frames; i++)
        {
            var frame = interleaved.Slice(i * channels, channels);
            var sum = 0;
            foreach (var sample in frame)
            {
                sum += sample;
            }

            mono[i] = (short)(sum / channels);
        }
    }

    /// <summary>Duplicates each mono sample into left and right.</summary>
    public static void MonoToStereo(ReadOnlySpan<short> mono, Span<short> stereo)
    {
        if (stereo.Length < mono.Length * 2)
        {
            throw new ArgumentException($"The stereo buffer holds {stereo.Length} samples but {mono.Length * 2} are needed.", nameof(stereo));
        }

        for (var i = 0; i < mono.Length; i++)
        {
            stereo[2 * i] = mono[i];
            stereo[(2 * i) + 1] = mono[i];
        }
    }

    /// <summary>RMS level relative to full scale; <see cref="SilenceDbfs"/> (-120) for silence or empty input.</summary>
    public static double RmsDbfs(ReadOnlySpan<short> samples)
    {
        if (samples.IsEmpty)
        {
            return SilenceDbfs;
        }

        long sumOfSquares = 0;
        foreach (var sample in samples)
        {
            sumOfSquares += sample * sample;
        }

        if (sumOfSquares == 0)
        {
            return SilenceDbfs;
        }

        var rms = Math.Sqrt((double)sumOfSquares / samples.Length) / 32768.0;
        return Math.Max(SilenceDbfs, 20 * Math.Log10(rms));
    }
}
