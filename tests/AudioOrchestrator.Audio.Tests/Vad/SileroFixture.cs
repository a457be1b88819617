using System.Collections.Concurrent;
using System.Diagnostics;

namespace AudioOrchestrator.Audio.Tests.Vad;

/// <summary>
/// The Silero model from the cache scripts/setup.sh fills, loaded once for the test run, and espeak-ng speech at 16 kHz.
/// A missing or wrong model makes every test that needs it fail with the model's own message (run scripts/setup.sh).
/// </summary>
public sealed class SileroFixture : IDisposable
{
    private readonly Lazy<SileroVadModel> _model = new(() => new SileroVadModel(new SileroVadOptions()));
    private readonly ConcurrentDictionary<string, short[]> _speech = new();

    public SileroVadModel Model => _model.Value;

    /// <summary>16 kHz mono speech of <paramref name="text"/> by espeak-ng's en-us voice (the CLI, resampled with libsoxr).</summary>
    public short[] Speech(string text) => _speech.GetOrAdd(text, Synthesize);

    public void Dispose()
    {
        if (_model.IsValueCreated)
        {
            _model.Value.Dispose();
        }
    }

    private static short[] Synthesize(string text)
    {
        var path = Path.Combine(Path.GetTempPath(), $"silero-espeak-{Guid.NewGuid():N}.wav");
        try
        {
            var start = new ProcessStartInfo("espeak-ng") { RedirectStandardError = true, UseShellExecute = false };
            foreach (var argument in new[] { "-v", "en-us", "-w", path, text })
            {
                start.ArgumentList.Add(argument);
            }

            using var process = Process.Start(start) ?? throw new InvalidOperationException("espeak-ng did not start (scripts/setup.sh --test installs it).");
            var errors = process.StandardError.ReadToEnd();
            process.WaitForExit();
            if (process.ExitCode != 0)
            {
                throw new InvalidOperationException($"espeak-ng failed ({process.ExitCode}): {errors}");
            }

            return WavCodec.Decode(File.ReadAllBytes(path)).ToMono().ResampleTo(SileroVadModel.SampleRate).Samples;
        }
        finally
        {
            File.Delete(path);
        }
    }
}

/// <summary>Test audio helpers for the VAD tests.</summary>
internal static class VadAudio
{
    public const int Window = SileroVadModel.WindowSamples;

    /// <summary>Uniform white noise with the given RMS level.</summary>
    public static short[] WhiteNoise(int samples, double dbfs, int seed)
    {
        var random = new Random(seed);
        var amplitude = Math.Pow(10, dbfs / 20) * 32768 * Math.Sqrt(3);
        var result = new short[samples];
        for (var i = 0; i < samples; i++)
        {
            result[i] = (short)Math.Clamp(Math.Round(((random.NextDouble() * 2) - 1) * amplitude), short.MinValue, short.MaxValue);
        }

        return result;
    }

    /// <summary>Pads to a whole number of windows with zeros.</summary>
    public static short[] PadToWindows(short[] samples)
    {
        var length = (samples.Length + Window - 1) / Window * Window;
        var result = new short[length];
        samples.CopyTo(result, 0);
        return result;
    }

    public static short[] Concat(params short[][] parts) => [.. parts.SelectMany(p => p)];

    /// <summary>Runs every whole window of <paramref name="samples"/> through <paramref name="stream"/>.</summary>
    public static float[] Probabilities(SileroVadStream stream, ReadOnlySpan<short> samples)
    {
        var result = new float[samples.Length / Window];
        for (var i = 0; i < result.Length; i++)
        {
            result[i] = stream.Process(samples.Slice(i * Window, Window));
        }

        return result;
    }

    public static SileroVadOptions Options(double gateDbfs = -60) => new() { EnergyGateDbfs = gateDbfs };
}
