using System.Diagnostics;

namespace AudioOrchestrator.Audio.Bench;

/// <summary>About <c>seconds</c> of espeak-ng speech (several sentences with short pauses), mono at the requested rate.</summary>
internal static class SpeechCorpus
{
    private static readonly string[] Sentences =
    [
        "Hello there, please schedule a meeting with the design team for tomorrow morning.",
        "The quick brown fox jumps over the lazy dog near the river bank.",
        "Could you summarise what we discussed about the release plan last week?",
        "Turn the music down a little and remind me to call my sister at six.",
    ];

    public static short[] Make(int seconds, int sampleRate)
    {
        var parts = new List<short>();
        var pause = new short[sampleRate / 4];
        for (var i = 0; parts.Count < seconds * sampleRate; i++)
        {
            parts.AddRange(Speak(Sentences[i % Sentences.Length], sampleRate));
            parts.AddRange(pause);
        }

        return [.. parts.Take(seconds * sampleRate)];
    }

    private static short[] Speak(string text, int sampleRate)
    {
        var path = Path.Combine(Path.GetTempPath(), $"audio-bench-{Guid.NewGuid():N}.wav");
        try
        {
            var start = new ProcessStartInfo("espeak-ng") { UseShellExecute = false };
            foreach (var argument in new[] { "-v", "en-us", "-w", path, text })
            {
                start.ArgumentList.Add(argument);
            }

            using var process = Process.Start(start) ?? throw new InvalidOperationException("espeak-ng did not start (scripts/setup.sh --test installs it).");
            process.WaitForExit();
            if (process.ExitCode != 0)
            {
                throw new InvalidOperationException($"espeak-ng failed with exit code {process.ExitCode}.");
            }

            return WavCodec.Decode(File.ReadAllBytes(path)).ToMono().ResampleTo(sampleRate).Samples;
        }
        finally
        {
            File.Delete(path);
        }
    }
}
