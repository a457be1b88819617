namespace AudioOrchestrator.Audio.Tests.Support;

/// <summary>Builds a mono test stream of tone bursts over a quiet noise bed, remembering where each burst is.</summary>
internal sealed class SignalBuilder(int sampleRate = 16000, double noiseDbfs = -70)
{
    private readonly List<short> _samples = [];
    private readonly Random _random = new(1234);

    public List<(TimeSpan Start, TimeSpan End)> Bursts { get; } = [];

    public int SampleRate => sampleRate;

    public TimeSpan Length => TimeSpan.FromTicks(_samples.Count * TimeSpan.TicksPerSecond / sampleRate);

    public SignalBuilder Quiet(double milliseconds) => Noise(milliseconds, noiseDbfs);

    /// <summary>Uniform noise with the given RMS level.</summary>
    public SignalBuilder Noise(double milliseconds, double dbfs)
    {
        var amplitude = Math.Pow(10, dbfs / 20) * 32768 * Math.Sqrt(3);
        for (var i = 0; i < Signals.Frames(sampleRate, milliseconds); i++)
        {
            _samples.Add((short)Math.Round(((_random.NextDouble() * 2) - 1) * amplitude));
        }

        return this;
    }

    /// <summary>A tone burst whose RMS level is <paramref name="dbfs"/>, mixed with the noise bed.</summary>
    public SignalBuilder Tone(double milliseconds, double dbfs = -12, double frequency = 440)
    {
        var start = Length;
        var peak = Math.Pow(10, dbfs / 20) * Math.Sqrt(2);
        var noise = Math.Pow(10, noiseDbfs / 20) * 32768 * Math.Sqrt(3);
        var frames = Signals.Frames(sampleRate, milliseconds);
        for (var i = 0; i < frames; i++)
        {
            var value = (peak * 32767 * Math.Sin(2 * Math.PI * frequency * i / sampleRate)) + (((_random.NextDouble() * 2) - 1) * noise);
            _samples.Add((short)Math.Clamp(Math.Round(value), short.MinValue, short.MaxValue));
        }

        Bursts.Add((start, Length));
        return this;
    }

    public short[] ToArray() => [.. _samples];
}
