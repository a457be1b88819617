using System.Diagnostics;
using AudioOrchestrator.Audio;
using AudioOrchestrator.Speech;
using Microsoft.Extensions.Options;

[assembly: AssemblyFixture(typeof(AudioOrchestrator.Speech.Tests.SpeechFixture))]

namespace AudioOrchestrator.Speech.Tests;

/// <summary>
/// One recogniser and one synthesiser for the whole test assembly: decoders are expensive, and espeak-ng has
/// process-global state, so a single engine instance is shared (as it would be as a DI singleton).
/// </summary>
public sealed class SpeechFixture : IDisposable
{
    public static readonly SpeechVocabulary Vocabulary = new(
        CommandPhrases: ["echo {text}", "what time is it", "help", "what is the weather", "stop", "set a timer", "play some music"],
        WakePhrases: ["hey orchestrator", "ok orchestrator"],
        Pronunciations: new Dictionary<string, string> { ["orchestrator"] = "AO R K AH S T R EY T ER" });

    public SpeechFixture()
    {
        Recognizer = new PocketSphinxSpeechToTextClient(
            Options.Create(new PocketSphinxOptions()),
            new StaticSpeechVocabularySource(Vocabulary),
            new TestOutputLogger<PocketSphinxSpeechToTextClient>());
        Synthesizer = new EspeakTextToSpeechClient(
            Options.Create(new EspeakOptions()),
            new TestOutputLogger<EspeakTextToSpeechClient>());
    }

    public PocketSphinxSpeechToTextClient Recognizer { get; }

    public EspeakTextToSpeechClient Synthesizer { get; }

    /// <summary>Runs the <c>espeak-ng</c> command line and returns the WAV bytes it wrote.</summary>
    /// <param name="voice">Voice for <c>-v</c>, or <see langword="null"/> for the CLI default (British <c>en</c>).</param>
    public static async Task<byte[]> EspeakCliAsync(string text, CancellationToken ct, string? voice = null)
    {
        var path = Path.Combine(Path.GetTempPath(), $"speech-test-{Guid.NewGuid():N}.wav");
        try
        {
            await (voice is null
                ? RunAsync("espeak-ng", ct, "-w", path, text)
                : RunAsync("espeak-ng", ct, "-v", voice, "-w", path, text));
            return await File.ReadAllBytesAsync(path, ct);
        }
        finally
        {
            File.Delete(path);
        }
    }

    /// <summary>Converts a WAV with the <c>sox</c> command line.</summary>
    public static async Task<byte[]> SoxConvertAsync(byte[] wav, int rate, int channels, CancellationToken ct)
    {
        var input = Path.Combine(Path.GetTempPath(), $"speech-test-{Guid.NewGuid():N}-in.wav");
        var output = Path.Combine(Path.GetTempPath(), $"speech-test-{Guid.NewGuid():N}-out.wav");
        try
        {
            await File.WriteAllBytesAsync(input, wav, ct);
            await RunAsync("sox", ct, input, "-r", rate.ToString(System.Globalization.CultureInfo.InvariantCulture),
                "-c", channels.ToString(System.Globalization.CultureInfo.InvariantCulture), "-b", "16", output);
            return await File.ReadAllBytesAsync(output, ct);
        }
        finally
        {
            File.Delete(input);
            File.Delete(output);
        }
    }

    /// <summary>Synthesises with the library's own TTS and converts to 16 kHz mono.</summary>
    public async Task<short[]> Speech16kAsync(string text, CancellationToken ct)
    {
        var audio = await Synthesizer.SynthesizeAsync(text, ct);
        return audio.ResampleTo(16000).Samples;
    }

    public void Dispose()
    {
        Recognizer.Dispose();
        Synthesizer.Dispose();
    }

    private static async Task RunAsync(string file, CancellationToken ct, params string[] arguments)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {file}");
        var stderr = process.StandardError.ReadToEndAsync(ct);
        _ = process.StandardOutput.ReadToEndAsync(ct);
        await process.WaitForExitAsync(ct);
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{file} exited with {process.ExitCode}: {await stderr}");
        }
    }
}
