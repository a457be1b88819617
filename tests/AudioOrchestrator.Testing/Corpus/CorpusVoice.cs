using System.Diagnostics;
using System.Globalization;
using AudioOrchestrator.Audio;

namespace AudioOrchestrator.Testing.Corpus;

/// <summary>A speech synthesiser voice of the corpus: espeak-ng (<c>-v voice -s wpm</c>) or flite (<c>-voice name</c>, duration stretch).</summary>
public sealed record CorpusVoice(string Engine, string Name, double Speed)
{
    public const string Espeak = "espeak-ng";
    public const string Flite = "flite";

    /// <summary>English espeak-ng voices and variants at several speeds, and the flite voices slt, kal16, awb and rms.</summary>
    public static readonly IReadOnlyList<CorpusVoice> All =
    [
        new(Espeak, "en-us", 175),
        new(Espeak, "en-us+f3", 150),
        new(Espeak, "en-gb", 190),
        new(Espeak, "en-gb-scotland", 165),
        new(Espeak, "en-029", 140),
        new(Espeak, "en-gb-x-rp+m4", 200),
        new(Espeak, "en-us+f2", 130),
        new(Flite, "slt", 1.0),
        new(Flite, "kal16", 1.1),
        new(Flite, "awb", 0.9),
        new(Flite, "rms", 1.2),
    ];

    public override string ToString() => $"{Engine} {Name} {Speed.ToString(CultureInfo.InvariantCulture)}";

    /// <summary>Speaks <paramref name="text"/>; returns 16 kHz mono with leading and trailing silence trimmed.</summary>
    public short[] Speak(string text)
    {
        var path = Path.Combine(Path.GetTempPath(), $"corpus-{Guid.NewGuid():N}.wav");
        try
        {
            List<string> arguments = Engine == Espeak
                ? ["-v", Name, "-s", Speed.ToString(CultureInfo.InvariantCulture), "-w", path, text]
                : ["-voice", Name, "--setf", $"duration_stretch={Speed.ToString(CultureInfo.InvariantCulture)}", "-t", text, "-o", path];
            using var process = Process.Start(new ProcessStartInfo(Engine, arguments) { RedirectStandardError = true, UseShellExecute = false })
                ?? throw new InvalidOperationException($"{Engine} did not start (scripts/setup.sh --test installs it).");
            var errors = process.StandardError.ReadToEnd();
            process.WaitForExit();
            if (process.ExitCode != 0 || !File.Exists(path))
            {
                throw new InvalidOperationException($"{this} failed ({process.ExitCode}): {errors}");
            }

            return Trim(WavCodec.Decode(File.ReadAllBytes(path)).ToMono().ResampleTo(AudioFormat.SpeechSampleRate).Samples);
        }
        finally
        {
            File.Delete(path);
        }
    }

    /// <summary>Cuts to the first and last 10 ms block within 40 dB of the loudest block (and above -60 dBFS).</summary>
    internal static short[] Trim(short[] samples)
    {
        const int Block = AudioFormat.SpeechSampleRate / 100;
        var blocks = samples.Length / Block;
        var levels = new double[blocks];
        for (var b = 0; b < blocks; b++)
        {
            levels[b] = PcmMath.RmsDbfs(samples.AsSpan(b * Block, Block));
        }

        var threshold = Math.Max(-60, levels.DefaultIfEmpty(PcmMath.SilenceDbfs).Max() - 40);
        var first = Array.FindIndex(levels, l => l > threshold);
        var last = Array.FindLastIndex(levels, l => l > threshold);
        return first < 0 ? [] : samples[(first * Block)..((last + 1) * Block)];
    }
}
