namespace AudioOrchestrator.Audio;

/// <summary>
/// Interleaved 16-bit PCM audio. Equality compares the sample values, not the array reference.
/// </summary>
public sealed record PcmAudio(short[] Samples, int SampleRate, int Channels)
{
    /// <summary>Interleaved samples.</summary>
    public short[] Samples { get; init; } = ValidatedSamples(Samples, SampleRate, Channels);

    /// <summary>Samples per second per channel.</summary>
    public int SampleRate { get; init; } = SampleRate;

    /// <summary>Number of interleaved channels.</summary>
    public int Channels { get; init; } = Channels;

    /// <summary>Samples per channel.</summary>
    public int FrameCount => Samples.Length / Channels;

    public TimeSpan Duration => TimeSpan.FromTicks(FrameCount * TimeSpan.TicksPerSecond / SampleRate);

    /// <summary>Averages all channels into one; returns this instance when already mono.</summary>
    public PcmAudio ToMono()
    {
        if (Channels == 1)
        {
            return this;
        }

        var mono = new short[FrameCount];
        PcmMath.Downmix(Samples, Channels, mono);
        return new PcmAudio(mono, SampleRate, 1);
    }

    /// <summary>Resamples with libsoxr (one-shot, high quality); returns this instance when the rate already matches.</summary>
    public PcmAudio ResampleTo(int sampleRate)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(sampleRate);
        if (sampleRate == SampleRate)
        {
            return this;
        }

        var resampled = SoxrOneShot.Resample(Samples, SampleRate, sampleRate, Channels);
        return new PcmAudio(resampled, sampleRate, Channels);
    }

    /// <summary>Digital silence of the given duration (rounded to whole frames).</summary>
    public static PcmAudio Silence(TimeSpan duration, int sampleRate, int channels = 1)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(duration, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(sampleRate);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(channels);
        var frames = (long)Math.Round(duration.Ticks * (double)sampleRate / TimeSpan.TicksPerSecond);
        return new PcmAudio(new short[checked((int)(frames * channels))], sampleRate, channels);
    }

    private static short[] ValidatedSamples(short[] samples, int sampleRate, int channels)
    {
        ArgumentNullException.ThrowIfNull(samples);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(sampleRate);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(channels);
        if (samples.Length % channels != 0)
        {
            throw new ArgumentException($"{samples.Length} samples are not a whole number of {channels}-channel frames.", nameof(samples));
        }

        return samples;
    }

    public bool Equals(PcmAudio? other) =>
        other is not null
        && SampleRate == other.SampleRate
        && Channels == other.Channels
        && Samples.AsSpan().SequenceEqual(other.Samples);

    public override int GetHashCode() => HashCode.Combine(SampleRate, Channels, Samples.Length);

    public override string ToString() => $"PcmAudio {{ {Channels} ch, {SampleRate} Hz, {FrameCount} frames, {Duration.TotalMilliseconds} ms }}";
}
