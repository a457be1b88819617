using System.Diagnostics;
using AudioOrchestrator.Audio;
using AudioOrchestrator.Speech;
using AudioOrchestrator.Testing;
using Microsoft.Extensions.Options;

[assembly: AssemblyFixture(typeof(AudioOrchestrator.Speech.Tests.SpeechFixture))]

namespace AudioOrchestrator.Speech.Tests;

/// <summary>
/// One recogniser and one synthesiser for the whole test assembly: decoders are expensive, and espeak-ng has
/// process-global state, so a single engine instance is shared (as it would be as a DI singleton).
/// </summary>
/// <remarks>
/// The recogniser uses an acoustic model enrolled to the espeak-ng voice: at start-up the fixture has espeak-ng read
/// <see cref="AdaptationCorpus"/> (sentences unrelated to the tested phrases) and runs <see cref="SpeakerAdaptation"/>,
/// exactly as a deployment enrols its users' voices or microphones. The result is cached under the temp directory,
/// keyed by a hash of the corpus, so later runs start in a second.
/// </remarks>
public sealed class SpeechFixture : IAsyncLifetime
{
    public static readonly SpeechVocabulary Vocabulary = new(
        CommandPhrases:
        [
            "echo {text}", "repeat {text}", "say {text}", "what time is it", "what is the time", "tell me the time", "time",
            "help", "what can you do", "help me",
        ],
        WakePhrases: ["hey orchestrator"],
        Pronunciations: new Dictionary<string, string> { ["orchestrator"] = "AO R K AH S T R EY T ER" });

    private PocketSphinxSpeechToTextClient? _recognizer;

    public SpeechFixture()
    {
        Synthesizer = new EspeakTextToSpeechClient(
            Options.Create(new EspeakOptions()),
            new TestOutputLogger<EspeakTextToSpeechClient>());
    }

    public PocketSphinxSpeechToTextClient Recognizer => _recognizer ?? throw new InvalidOperationException("fixture not initialised");

    /// <summary>The enrolled (adapted) acoustic model directory.</summary>
    public string AdaptedModelPath { get; private set; } = string.Empty;

    public async ValueTask InitializeAsync()
    {
        AdaptedModelPath = await EnrolEspeakVoiceAsync(CancellationToken.None);
        _recognizer = new PocketSphinxSpeechToTextClient(
            Options.Create(new PocketSphinxOptions { AcousticModelPath = AdaptedModelPath }),
            new StaticSpeechVocabularySource(Vocabulary),
            new TestOutputLogger<PocketSphinxSpeechToTextClient>());
    }

    public ValueTask DisposeAsync()
    {
        _recognizer?.Dispose();
        Synthesizer.Dispose();
        return ValueTask.CompletedTask;
    }

    /// <summary>Builds (or reuses) the acoustic model adapted to espeak-ng's en-us voice.</summary>
    public static Task<string> EnrolEspeakVoiceAsync(CancellationToken ct) => EspeakVoiceEnrolment.GetModelAsync(ct);

    public EspeakTextToSpeechClient Synthesizer { get; }

    /// <summary>Runs the <c>espeak-ng</c> command line and returns the WAV bytes it wrote.</summary>
    /// <param name="voice">Voice for <c>-v</c>, or <see langword="null"/> for the CLI default (British <c>en</c>).</param>
    /// <param name="rate">Words per minute for <c>-s</c>, or <see langword="null"/> for the CLI default (175).</param>
    public static Task<byte[]> EspeakCliAsync(string text, CancellationToken ct, string? voice = null, int? rate = null) =>
        EspeakCli.SayAsync(text, ct, voice, rate);

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
